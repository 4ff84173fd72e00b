//! Who may ask: API keys, stored hashed, and the loopback rule.
//!
//! On a loopback address `serve` needs no key (the machine's own users are trusted, as with any
//! local tool); anywhere else it refuses to start unless keys are configured, and then every
//! request must carry one in `X-API-Key`. Keys are stored as SHA-256 hashes in the config, so a
//! leaked config file does not leak the keys; `depthscope serve --add-key NAME` prints a new key
//! once and stores only its hash.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::http::HeaderMap;
use rand::RngExt;
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// The request header that carries a key.
pub const KEY_HEADER: &str = "x-api-key";

/// The hex SHA-256 of a key, as the config stores it.
pub fn hash_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh key: `ds_` and 32 random bytes in hex.
pub fn new_key() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("ds_{hex}")
}

/// Who a request counts as, for rate limits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Caller {
    /// A configured key, by its name.
    Key(String),
    /// No key, on a loopback listener.
    Local,
}

/// The keys and whether a request without one is allowed.
#[derive(Clone, Debug, Default)]
pub struct Access {
    /// Key hash → key name.
    keys: HashMap<String, String>,
    /// Requests without a key are allowed (loopback listener).
    open: bool,
}

impl Access {
    /// The access rule for a listener on `listen` with `keys` (name, sha256 hex); an error when a
    /// non-loopback listener has no keys.
    pub fn new(listen: SocketAddr, keys: &[(String, String)]) -> Result<Access, String> {
        let open = listen.ip().is_loopback();
        if !open && keys.is_empty() {
            return Err(format!(
                "refusing to listen on {listen} without API keys: anyone who can reach it could \
                 read it. Add a key with `depthscope serve --add-key NAME`, or listen on \
                 127.0.0.1 and use an SSH tunnel"
            ));
        }
        Ok(Access {
            keys: keys
                .iter()
                .map(|(name, hash)| (hash.to_ascii_lowercase(), name.clone()))
                .collect(),
            open,
        })
    }

    /// The caller of a request with `headers`, or 401.
    pub fn check(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        match headers.get(KEY_HEADER) {
            Some(value) => {
                let key = value
                    .to_str()
                    .map_err(|_| ApiError::unauthorized("the X-API-Key header is not text"))?;
                self.keys
                    .get(&hash_key(key.trim()))
                    .map(|name| Caller::Key(name.clone()))
                    .ok_or_else(|| ApiError::unauthorized("invalid API key"))
            }
            None if self.open => Ok(Caller::Local),
            None => Err(ApiError::unauthorized(
                "an API key is required: send it in the X-API-Key header",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn off_loopback_without_keys_is_refused() {
        let e = Access::new(addr("0.0.0.0:8787"), &[]).unwrap_err();
        assert!(e.contains("--add-key"), "{e}");
        assert!(Access::new(addr("127.0.0.1:8787"), &[]).is_ok());
        assert!(Access::new(addr("[::1]:8787"), &[]).is_ok());
    }

    #[test]
    fn keys_are_checked_by_hash() {
        let key = new_key();
        assert!(key.starts_with("ds_") && key.len() == 67);
        let access = Access::new(
            addr("0.0.0.0:8787"),
            &[("alice".into(), hash_key(&key).to_uppercase())],
        )
        .unwrap();
        let mut headers = HeaderMap::new();
        assert_eq!(
            access.check(&headers).unwrap_err().status,
            axum::http::StatusCode::UNAUTHORIZED
        );
        headers.insert(KEY_HEADER, HeaderValue::from_str(&key).unwrap());
        assert_eq!(access.check(&headers).unwrap(), Caller::Key("alice".into()));
        headers.insert(KEY_HEADER, HeaderValue::from_static("ds_wrong"));
        assert!(access.check(&headers).is_err());
    }

    #[test]
    fn loopback_needs_no_key_but_checks_a_given_one() {
        let access = Access::new(addr("127.0.0.1:0"), &[]).unwrap();
        assert_eq!(access.check(&HeaderMap::new()).unwrap(), Caller::Local);
        let mut headers = HeaderMap::new();
        headers.insert(KEY_HEADER, HeaderValue::from_static("ds_unknown"));
        assert!(access.check(&headers).is_err());
    }

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
