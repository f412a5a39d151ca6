//! Building route paths from caller-supplied repository paths, which may hold anything and must
//! not escape their place in the route.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::{Error, Result};

/// Characters left as they are in one segment: RFC 3986 unreserved ones.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A repository path (`Folder/Script.ps1` or `Folder\Script.ps1`) as route segments: `/`
/// separates them and everything else is encoded, so a `\` reaches the server as the user wrote
/// it (PSU documents both separators). `.` and `..` segments are refused: URL normalisation
/// would resolve them and send the request to a different route.
pub(crate) fn repository_path(path: &str) -> Result<String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.is_empty() || segments.iter().any(|s| matches!(*s, "." | "..")) {
        return Err(Error::InvalidArgument(format!(
            "{path:?} is not a script path relative to the repository"
        )));
    }
    Ok(segments
        .iter()
        .map(|s| utf8_percent_encode(s, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_paths_keep_their_folders_and_encode_the_rest() {
        assert_eq!(
            repository_path("/Folder/My Script.ps1").unwrap(),
            "Folder/My%20Script.ps1"
        );
        assert_eq!(
            repository_path(r"Folder\Script.ps1").unwrap(),
            "Folder%5CScript.ps1"
        );
        assert_eq!(
            repository_path("a?b#c/ü.ps1").unwrap(),
            "a%3Fb%23c/%C3%BC.ps1"
        );
    }

    #[test]
    fn dot_segments_and_empty_paths_are_refused() {
        for bad in ["", "/", "../job/1", "a/./b", "a/.."] {
            assert_eq!(
                repository_path(bad).unwrap_err().id(),
                "InvalidArgument",
                "{bad}"
            );
        }
    }
}
