//! SCRAM channel binding (`tls-server-end-point`, RFC 5929) for TLS to PostgreSQL: the hash of
//! the certificate the server showed, which the server checks against its own. With it, a
//! password login over TLS fails if someone in the middle holds another certificate, even when
//! `sslmode` does not check the certificate (libpq binds by default for the same reason).

use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

/// The binding data for the certificate `der`, hashed with its signature's hash (SHA-256 for
/// MD5 and SHA-1). `None` for a signature whose algorithm names no single hash (RSASSA-PSS,
/// Ed25519), which the RFC leaves undefined: the login then runs without binding.
pub fn end_point(der: &[u8]) -> Option<Vec<u8>> {
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
    let (certificate, _) = element(der, SEQUENCE)?;
    let (_, after_tbs) = element(certificate, SEQUENCE)?;
    let (algorithm, _) = element(after_tbs, SEQUENCE)?;
    let (oid, _) = element(algorithm, OID)?;
    let hash = match oid {
        // md5WithRSA, sha1WithRSA, sha256WithRSA (1.2.840.113549.1.1.4/5/11), ecdsa-with-SHA1
        // and -SHA256 (1.2.840.10045.4.1, .4.3.2)
        RSA_04 | RSA_05 | RSA_11 | ECDSA_SHA1 | ECDSA_SHA256 => Sha256::digest(der).to_vec(),
        RSA_12 | ECDSA_SHA384 => Sha384::digest(der).to_vec(),
        RSA_13 | ECDSA_SHA512 => Sha512::digest(der).to_vec(),
        RSA_14 | ECDSA_SHA224 => Sha224::digest(der).to_vec(),
        _ => return None,
    };
    Some(hash)
}

const SEQUENCE: u8 = 0x30;
const OID: u8 = 0x06;

const RSA_04: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04];
const RSA_05: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
const RSA_11: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const RSA_12: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
const RSA_13: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];
const RSA_14: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0e];
const ECDSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
const ECDSA_SHA224: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x01];
const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
const ECDSA_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];

/// The contents of the DER element at the start of `der`, which must have tag `tag`, and the
/// bytes after it.
fn element(der: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = der.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > std::mem::size_of::<usize>() {
            return None;
        }
        let (digits, rest) = rest.split_at_checked(count)?;
        let len = digits
            .iter()
            .fold(0usize, |len, &d| (len << 8) | usize::from(d));
        (len, rest)
    };
    rest.split_at_checked(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(algorithm: &'static rcgen::SignatureAlgorithm) -> Vec<u8> {
        let key = rcgen::KeyPair::generate_for(algorithm).unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn the_hash_follows_the_certificate_s_signature() {
        let p256 = certificate(&rcgen::PKCS_ECDSA_P256_SHA256);
        assert_eq!(end_point(&p256).unwrap(), Sha256::digest(&p256).to_vec());
        let p384 = certificate(&rcgen::PKCS_ECDSA_P384_SHA384);
        assert_eq!(end_point(&p384).unwrap(), Sha384::digest(&p384).to_vec());
        assert_eq!(end_point(&certificate(&rcgen::PKCS_ED25519)), None);
    }

    #[test]
    fn bytes_that_are_not_a_certificate_have_no_end_point() {
        let p256 = certificate(&rcgen::PKCS_ECDSA_P256_SHA256);
        for cut in [0, 1, 2, 10, p256.len() / 2] {
            assert_eq!(end_point(&p256[..cut]), None, "cut at {cut}");
        }
        assert_eq!(end_point(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
    }
}
