//! Where the channel listens: a Unix domain socket file on Linux and macOS, a named pipe on
//! Windows. The name is unique per server start, so two servers on one machine never meet.

use std::io;

use interprocess::local_socket::tokio::Listener;
use interprocess::local_socket::{ListenerOptions, Name};

/// The channel's address as a job's process is told it (`PSUJOBS_IPC_ADDRESS`): a socket
/// file path, or a pipe name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address(pub String);

impl Address {
    /// A fresh address for this server process.
    pub fn unique() -> Self {
        let tag = format!(
            "psujobs-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        );
        #[cfg(windows)]
        {
            Address(tag)
        }
        #[cfg(not(windows))]
        {
            // The temp directory rather than the data folder: socket paths are limited to about
            // 100 bytes, and a data folder can be deep.
            Address(
                std::env::temp_dir()
                    .join(format!("{tag}.sock"))
                    .display()
                    .to_string(),
            )
        }
    }

    pub fn name(&self) -> io::Result<Name<'_>> {
        #[cfg(windows)]
        {
            use interprocess::local_socket::{GenericNamespaced, ToNsName};
            self.0.as_str().to_ns_name::<GenericNamespaced>()
        }
        #[cfg(not(windows))]
        {
            use interprocess::local_socket::{GenericFilePath, ToFsName};
            self.0.as_str().to_fs_name::<GenericFilePath>()
        }
    }

    /// Starts listening; on Unix the socket file is removed again when the listener drops.
    pub fn listen(&self) -> io::Result<Listener> {
        ListenerOptions::new()
            .name(self.name()?)
            .reclaim_name(true)
            .create_tokio()
    }
}
