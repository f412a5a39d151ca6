//! SecureString protection below protocol 2.4 (design psrp.md §7): we send an RSA public key
//! as a CAPI PUBLICKEYBLOB, pwsh answers with its AES-256 session key wrapped in a CAPI
//! SIMPLEBLOB, and every `<SS>` either way is AES-256-CBC with a zero IV and PKCS#7.

use aes::Aes256;
use aes::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, PrivateKey};
use tokio::sync::OnceCell;

use crate::error::{Error, Result};

const RSA_BITS: usize = 2048;
const SIMPLEBLOB_HEADER: [u8; 12] = [1, 2, 0, 0, 0x10, 0x66, 0, 0, 0, 0xA4, 0, 0];
const ZERO_IV: [u8; 16] = [0; 16];

/// One key pair per server process: generating 2048-bit RSA costs tens of milliseconds,
/// and the pair only wraps per-session keys that pwsh itself generates.
static KEY_PAIR: OnceCell<PrivateKey> = OnceCell::const_new();

pub async fn key_pair() -> Result<&'static PrivateKey> {
    KEY_PAIR
        .get_or_try_init(|| async {
            tokio::task::spawn_blocking(|| {
                PrivateKey::new(&mut getrandom::SysRng, RSA_BITS)
                    .map_err(|e| Error::Crypto(format!("RSA key generation failed: {e}")))
            })
            .await
            .map_err(|e| Error::Crypto(format!("RSA key generation task failed: {e}")))?
        })
        .await
}

/// The PUBLICKEYBLOB pwsh expects: header, "RSA1", bit length, exponent, little-endian modulus.
pub fn public_key_blob(key: &PrivateKey) -> Vec<u8> {
    let public = key.to_public_key();
    let mut modulus = public.n_bytes().to_vec();
    modulus.reverse();
    modulus.resize(RSA_BITS / 8, 0);
    let mut exponent = public.e_bytes().to_vec();
    exponent.reverse();
    exponent.resize(4, 0);
    let mut blob = vec![6, 2, 0, 0, 0, 0xA4, 0, 0];
    blob.extend_from_slice(b"RSA1");
    blob.extend_from_slice(&(RSA_BITS as u32).to_le_bytes());
    blob.extend_from_slice(&exponent);
    blob.extend_from_slice(&modulus);
    blob
}

/// The AES-256 key both sides use for SecureStrings in one session.
#[derive(Clone)]
pub struct SessionKey([u8; 32]);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

impl SessionKey {
    /// Unwraps the base64 SIMPLEBLOB of ENCRYPTED_SESSION_KEY with our private key.
    pub fn unwrap(key: &PrivateKey, blob_base64: &str) -> Result<SessionKey> {
        let blob = BASE64
            .decode(blob_base64.trim())
            .map_err(|_| Error::Crypto("the session key is not base64".into()))?;
        let wrapped = blob
            .strip_prefix(&SIMPLEBLOB_HEADER[..])
            .ok_or_else(|| Error::Crypto("the session key is not an AES-256 SIMPLEBLOB".into()))?;
        let mut wrapped = wrapped.to_vec();
        wrapped.reverse();
        let raw = key
            .decrypt(Pkcs1v15Encrypt, &wrapped)
            .map_err(|e| Error::Crypto(format!("cannot unwrap the session key: {e}")))?;
        let raw: [u8; 32] = raw
            .try_into()
            .map_err(|_| Error::Crypto("the session key is not 32 bytes".into()))?;
        Ok(SessionKey(raw))
    }

    /// `<SS>` text for `plain`: base64 of AES-CBC over its UTF-16LE code units.
    pub fn encrypt(&self, plain: &str) -> String {
        let bytes: Vec<u8> = plain.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let cipher = cbc::Encryptor::<Aes256>::new(&self.0.into(), &ZERO_IV.into())
            .encrypt_padded_vec::<Pkcs7>(&bytes);
        BASE64.encode(cipher)
    }

    /// The string inside an `<SS>` element's text. Only tests need it today: secrets in
    /// job output are stored sealed, and the key dies with the process.
    #[cfg(test)]
    pub fn decrypt(&self, text: &str) -> Result<String> {
        use aes::cipher::BlockModeDecrypt;
        let cipher = BASE64
            .decode(text.trim())
            .map_err(|_| Error::Crypto("SecureString text is not base64".into()))?;
        let bytes = cbc::Decryptor::<Aes256>::new(&self.0.into(), &ZERO_IV.into())
            .decrypt_padded_vec::<Pkcs7>(&cipher)
            .map_err(|_| {
                Error::Crypto("SecureString does not decrypt with the session key".into())
            })?;
        if bytes.len() % 2 != 0 {
            return Err(Error::Crypto("SecureString is not UTF-16".into()));
        }
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        Ok(String::from_utf16_lossy(&units))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn public_blob_has_capi_layout() {
        let key = key_pair().await.unwrap();
        let blob = public_key_blob(key);
        assert_eq!(blob.len(), 276);
        assert_eq!(
            &blob[..12],
            &[6, 2, 0, 0, 0, 0xA4, 0, 0, b'R', b'S', b'A', b'1']
        );
        assert_eq!(&blob[12..20], &[0, 8, 0, 0, 1, 0, 1, 0]);
        let mut n = key.to_public_key().n_bytes().to_vec();
        n.reverse();
        assert_eq!(&blob[20..], &n[..]);
    }

    #[tokio::test]
    async fn unwraps_a_simpleblob_and_round_trips_strings() {
        let key = key_pair().await.unwrap();
        let aes_key = [7u8; 32];
        let mut wrapped = key
            .to_public_key()
            .encrypt(&mut getrandom::SysRng, Pkcs1v15Encrypt, &aes_key)
            .unwrap();
        wrapped.reverse();
        let mut blob = SIMPLEBLOB_HEADER.to_vec();
        blob.extend(wrapped);
        let session = SessionKey::unwrap(key, &BASE64.encode(blob)).unwrap();
        assert_eq!(session.0, aes_key);
        for s in ["", "p@ss wörd", "🔑 longer than one AES block of text"] {
            assert_eq!(session.decrypt(&session.encrypt(s)).unwrap(), s);
        }
        assert!(session.decrypt("not base64!").is_err());
        assert!(SessionKey::unwrap(key, "AAAA").is_err());
    }
}
