//! App tokens and roles. A token is `psuj_` + 64 random hex digits; only its SHA-256 is
//! stored, so a database leak yields no usable token.

use std::fmt;
use std::str::FromStr;

use rand::Rng;
use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError, TokenRecord};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Reader,
    Execute,
    Operator,
    Administrator,
}

/// What a request wants to do; each route names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read scripts, jobs, output, feedback, metrics, the OpenAPI document.
    Read,
    /// Start a job (still subject to the script's own `Roles`).
    Run,
    /// Answer a job's prompt.
    Answer,
    /// Cancel a job this identity started.
    CancelOwn,
    /// Cancel anyone's job.
    CancelAny,
    /// Delete stored pipeline output.
    DeleteOutput,
}

impl Role {
    /// The permission matrix (documented in docs/api.md).
    pub fn allows(self, action: Action) -> bool {
        match action {
            Action::Read => true,
            Action::Run | Action::Answer | Action::CancelOwn => self >= Role::Execute,
            Action::CancelAny | Action::DeleteOutput => self >= Role::Operator,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Reader => "Reader",
            Role::Execute => "Execute",
            Role::Operator => "Operator",
            Role::Administrator => "Administrator",
        })
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "reader" => Ok(Role::Reader),
            "execute" => Ok(Role::Execute),
            "operator" => Ok(Role::Operator),
            "administrator" | "admin" => Ok(Role::Administrator),
            _ => Err(format!(
                "unknown role {s:?}: expected Administrator, Operator, Execute or Reader"
            )),
        }
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub token_id: i64,
    pub name: String,
    pub role: Role,
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Issues a token; returns `(id, token text)`. The text is shown once and never stored.
pub fn issue(store: &dyn Store, name: &str, role: Role) -> Result<(i64, String), StoreError> {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let token = format!("psuj_{}", hex::encode(secret));
    let id = store.insert_token(&hash_token(&token), name, &role.to_string())?;
    Ok((id, token))
}

/// The caller a token belongs to, if it is known and not revoked.
pub fn verify(store: &dyn Store, token: &str) -> Result<Option<Caller>, StoreError> {
    let Some(TokenRecord {
        id,
        name,
        role,
        revoked,
    }) = store.token_by_hash(&hash_token(token))?
    else {
        return Ok(None);
    };
    Ok(match (revoked, role.parse()) {
        (false, Ok(role)) => Some(Caller {
            token_id: id,
            name,
            role,
        }),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    #[test]
    fn matrix() {
        assert!(Role::Reader.allows(Action::Read));
        assert!(!Role::Reader.allows(Action::Run));
        assert!(Role::Execute.allows(Action::Run) && Role::Execute.allows(Action::CancelOwn));
        assert!(!Role::Execute.allows(Action::CancelAny));
        assert!(Role::Operator.allows(Action::DeleteOutput));
        assert_eq!("admin".parse::<Role>(), Ok(Role::Administrator));
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn issue_verify_revoke() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        let (id, token) = issue(&store, "ci", Role::Execute).unwrap();
        assert!(token.starts_with("psuj_") && token.len() == 69);
        let caller = verify(&store, &token).unwrap().unwrap();
        assert_eq!((caller.token_id, caller.role), (id, Role::Execute));
        assert!(verify(&store, "psuj_nope").unwrap().is_none());
        assert!(store.revoke_token(id).unwrap());
        assert!(verify(&store, &token).unwrap().is_none());
    }
}
