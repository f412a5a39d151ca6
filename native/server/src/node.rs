//! A server is one node of its store: SQLite has one, while several servers (each with its own
//! data folder) may share a PostgreSQL store. A node's id is kept in its data folder, so a
//! restarted server knows the jobs it was running; its name says where it is in messages.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::secrets::{self, SecretBox};
use crate::store::Store;

/// How often a node tells the store it is alive, and looks for work and cancels from others.
pub const TICK: Duration = Duration::from_secs(1);
/// A node not heard from for this long is taken for dead: another marks its jobs Failed.
pub const DEAD_AFTER: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    pub name: String,
}

impl Node {
    /// This server's node: the id in `data_dir`'s `node` file (made on first start), and a
    /// name from the machine and the address it listens on.
    pub fn of(data_dir: &Path, listen: SocketAddr) -> anyhow::Result<Node> {
        let file = data_dir.join("node");
        let id = match std::fs::read_to_string(&file) {
            Ok(id) => id.trim().to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let id = uuid::Uuid::new_v4().to_string();
                std::fs::write(&file, &id)
                    .with_context(|| format!("cannot write {}", file.display()))?;
                id
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", file.display())),
        };
        Ok(Node {
            id,
            name: format!("{} {listen}", crate::host_name()),
        })
    }
}

/// The name of the fact that holds a value sealed with the key the store's secrets are sealed
/// with.
const KEY_CHECK: &str = "key_check";

/// Refuses to serve with a key other than the one the store's credentials and queued runs are
/// sealed with (the first server on the store sets it): the other nodes' jobs would fail to
/// start here, and credentials would not open.
pub fn check_key(store: &dyn Store, secrets: &SecretBox, data_dir: &Path) -> anyhow::Result<()> {
    let ours = STANDARD.encode(secrets.seal(KEY_CHECK.as_bytes()));
    let stored = store.fact(KEY_CHECK, &ours)?;
    let opens = STANDARD
        .decode(&stored)
        .ok()
        .and_then(|sealed| secrets.open(&sealed).ok())
        .is_some_and(|plain| plain == KEY_CHECK.as_bytes());
    if !opens {
        anyhow::bail!(
            "the store's secrets are sealed with another key than {}: servers that share a store share its key, so copy the key file of a server already serving from it (or of the data folder the store was made with) to that path",
            secrets::key_file(data_dir).display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    #[test]
    fn keeps_its_id_and_refuses_a_store_sealed_with_another_key() {
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let listen = SocketAddr::from(([127, 0, 0, 1], 5000));
        let node = Node::of(one.path(), listen).unwrap();
        assert_eq!(Node::of(one.path(), listen).unwrap(), node);
        assert_ne!(Node::of(two.path(), listen).unwrap().id, node.id);
        assert!(node.name.ends_with(" 127.0.0.1:5000"), "{}", node.name);

        let store = SqliteStore::open(one.path()).unwrap();
        let key = SecretBox::open_or_create(one.path()).unwrap();
        check_key(&store, &key, one.path()).unwrap();
        check_key(&store, &key, one.path()).unwrap();
        let other = SecretBox::open_or_create(two.path()).unwrap();
        let e = check_key(&store, &other, two.path())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("sealed with another key") && e.contains("secret.key"),
            "{e}"
        );
    }
}
