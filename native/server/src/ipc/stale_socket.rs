//! A server killed with kill -9 cannot remove its socket file, and every start listens at a
//! fresh name, so such files would pile up in the temp directory. Each server records its
//! socket in its data folder; the next start there removes the file named, once nothing
//! listens on it.

use std::io::{self, ErrorKind};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use super::Address;

/// The file in the data folder naming the socket of the server that last started there.
const RECORD_FILE: &str = "channel.address";

/// Removes the socket the previous server on `data_dir` left behind and returns its path.
/// A socket that still accepts connections belongs to a live server and stays.
pub fn reclaim(data_dir: &Path) -> Option<PathBuf> {
    let recorded = std::fs::read_to_string(data_dir.join(RECORD_FILE)).ok()?;
    let socket = PathBuf::from(recorded.trim());
    if !std::fs::symlink_metadata(&socket)
        .ok()?
        .file_type()
        .is_socket()
    {
        return None;
    }
    // Only a refused connection proves that nobody listens: any other failure (permissions,
    // say) leaves the file alone. Names are never reused, so no new server can be listening
    // there between the probe and the removal.
    match UnixStream::connect(&socket) {
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
            std::fs::remove_file(&socket).ok()?;
            Some(socket)
        }
        _ => None,
    }
}

/// Records `address` as this data folder's socket. Called once it listens, so a recorded
/// socket that refuses connections is certainly stale, never one still starting.
pub fn record(data_dir: &Path, address: &Address) -> io::Result<()> {
    std::fs::write(data_dir.join(RECORD_FILE), &address.0)
}
