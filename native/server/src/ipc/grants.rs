//! Per-job secrets: issued when a job starts, checked on every hello, and revoked when the job
//! ends, which also closes the job's open connections, so a stale secret opens nothing.

use std::collections::HashMap;
use std::sync::Mutex;

use rand::Rng;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::auth::Caller;

/// What one running job may do over the channel.
#[derive(Clone)]
pub struct Grant {
    /// The identity that started the job: its calls run as that identity.
    pub caller: Caller,
    /// Fires when the job ends; connections of the job close on it.
    pub revoked: CancellationToken,
    /// SHA-256 of the secret: the secret itself is only in the job's environment.
    digest: [u8; 32],
}

#[derive(Default)]
pub struct Grants {
    by_job: Mutex<HashMap<i64, Grant>>,
}

impl Grants {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Grant>> {
        self.by_job.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Issues job `job_id`'s secret (replacing any earlier one, which is revoked).
    pub fn issue(&self, job_id: i64, caller: Caller) -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = hex::encode(bytes);
        let grant = Grant {
            caller,
            revoked: CancellationToken::new(),
            digest: Sha256::digest(secret.as_bytes()).into(),
        };
        if let Some(old) = self.map().insert(job_id, grant) {
            old.revoked.cancel();
        }
        secret
    }

    /// Ends job `job_id`'s grant: its secret is refused from now on and its connections close.
    pub fn revoke(&self, job_id: i64) {
        if let Some(grant) = self.map().remove(&job_id) {
            grant.revoked.cancel();
        }
    }

    /// The grant of `job_id` when `secret` is its secret.
    pub fn check(&self, job_id: i64, secret: &str) -> Option<Grant> {
        let presented: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        let map = self.map();
        let grant = map.get(&job_id)?;
        // Comparing digests in full (no early exit) keeps the time independent of how much
        // of a guess was right.
        let same = grant
            .digest
            .iter()
            .zip(presented)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
        same.then(|| grant.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn caller() -> Caller {
        Caller {
            token_id: 1,
            name: "admin".into(),
            role: Role::Administrator,
        }
    }

    #[test]
    fn a_secret_opens_only_its_own_job_and_dies_with_it() {
        let grants = Grants::default();
        let secret = grants.issue(5, caller());
        assert_eq!(secret.len(), 64);
        assert!(grants.check(5, &secret).is_some());
        assert!(grants.check(6, &secret).is_none());
        assert!(grants.check(5, "0".repeat(64).as_str()).is_none());
        let revoked = grants.check(5, &secret).unwrap().revoked;
        grants.revoke(5);
        assert!(revoked.is_cancelled());
        assert!(grants.check(5, &secret).is_none());
    }

    #[test]
    fn reissuing_revokes_the_previous_secret() {
        let grants = Grants::default();
        let first = grants.issue(1, caller());
        let token = grants.check(1, &first).unwrap().revoked;
        let second = grants.issue(1, caller());
        assert!(token.is_cancelled());
        assert!(grants.check(1, &first).is_none());
        assert!(grants.check(1, &second).is_some());
    }
}
