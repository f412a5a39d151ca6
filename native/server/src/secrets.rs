//! Encryption at rest for stored credentials: AES-256-CBC then HMAC-SHA256 over IV and
//! ciphertext (encrypt-then-MAC, so tampering is detected before decrypting). The 64-byte
//! key file lives in the data folder, readable only by its owner.

use std::path::Path;

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use sha2::Sha256;

use crate::private_file;

const KEY_FILE: &str = "secret.key";
const IV_LEN: usize = 16;
const TAG_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read or create the key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("the key file {0} is not 64 bytes long")]
    KeyLength(String),
    #[error("a stored secret is corrupt or was encrypted with another key")]
    Corrupt,
}

/// The key that seals the stored credentials: without it they cannot be opened.
pub fn key_file(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join(KEY_FILE)
}

pub struct SecretBox {
    enc_key: [u8; 32],
    mac_key: [u8; 32],
}

impl SecretBox {
    pub fn open_or_create(data_dir: &Path) -> Result<Self, SecretError> {
        let path = key_file(data_dir);
        let key_error = |source| SecretError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        if !path.exists() {
            let mut key = [0u8; 64];
            rand::rng().fill_bytes(&mut key);
            private_file::write(&path, &key).map_err(key_error)?;
        }
        let key = std::fs::read(&path).map_err(key_error)?;
        let (Ok(enc_key), Ok(mac_key)) =
            (key[..32.min(key.len())].try_into(), key[32..].try_into())
        else {
            return Err(SecretError::KeyLength(path.display().to_string()));
        };
        Ok(Self { enc_key, mac_key })
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as KeyInit>::new_from_slice(&self.mac_key)
            .expect("HMAC accepts keys of any length")
    }

    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let mut iv = [0u8; IV_LEN];
        rand::rng().fill_bytes(&mut iv);
        let ciphertext = cbc::Encryptor::<aes::Aes256>::new(&self.enc_key.into(), &iv.into())
            .encrypt_padded_vec::<Pkcs7>(plain);
        let mut out = iv.to_vec();
        out.extend_from_slice(&ciphertext);
        let tag = self.mac().chain_update(&out).finalize().into_bytes();
        out.extend_from_slice(&tag);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SecretError> {
        if sealed.len() < IV_LEN + 16 + TAG_LEN {
            return Err(SecretError::Corrupt);
        }
        let (body, tag) = sealed.split_at(sealed.len() - TAG_LEN);
        self.mac()
            .chain_update(body)
            .verify_slice(tag)
            .map_err(|_| SecretError::Corrupt)?;
        let (iv, ciphertext) = body.split_at(IV_LEN);
        let iv: [u8; IV_LEN] = iv.try_into().map_err(|_| SecretError::Corrupt)?;
        cbc::Decryptor::<aes::Aes256>::new(&self.enc_key.into(), &iv.into())
            .decrypt_padded_vec::<Pkcs7>(ciphertext)
            .map_err(|_| SecretError::Corrupt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_tamper() {
        let dir = tempfile::tempdir().unwrap();
        let sb = SecretBox::open_or_create(dir.path()).unwrap();
        let sealed = sb.seal(b"hunter2");
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(sb.open(&sealed).unwrap(), b"hunter2");
        // The same key file is reused on the next start.
        let again = SecretBox::open_or_create(dir.path()).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), b"hunter2");
        let mut bad = sealed.clone();
        bad[20] ^= 1;
        assert!(matches!(sb.open(&bad), Err(SecretError::Corrupt)));
        assert!(matches!(sb.open(&[0; 10]), Err(SecretError::Corrupt)));
    }
}
