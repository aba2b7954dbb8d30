//! Access tokens: EdDSA (Ed25519) JWTs with a `kid`, issued by the users domain and
//! verified here. The verifier pins the algorithm, requires `exp`, `iss`, `aud` and `sub`,
//! refuses header-supplied keys (`jku`, `jwk`, `x5u`, `x5c`) and unknown `kid`s, and only
//! accepts tokens whose `typ` claim says "access".

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::AuthSettings;
use crate::contracts::auth::Role;

/// The `typ` claim of an access token. Other token kinds (refresh, reset, ID tokens from
/// identity providers) never carry it, so none of them passes as an access token.
pub const ACCESS_TOKEN_TYPE: &str = "access";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub typ: String,
    pub role: Role,
    /// The user's auth version when the token was issued.
    pub ver: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Signed by us and well-formed, but past `exp`: a refresh may rescue the request.
    Expired {
        sub: String,
    },
    Invalid(&'static str),
}

pub struct KeyRing {
    kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    jwks: serde_json::Value,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl_secs: i64,
    leeway_secs: i64,
    /// Tokens already verified, by the SHA-256 of their text: the signature check is most
    /// of a verified request's cost, and a client sends the same token for an hour.
    verified: std::sync::Mutex<HashMap<[u8; 32], AccessClaims>>,
}

/// Beyond this many remembered tokens the memo starts over rather than grow.
const VERIFIED_MEMO_MAX: usize = 20_000;

fn kid_of(public: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(public)[..8])
}

impl KeyRing {
    /// Loads the signing key (from configuration, or from the data directory, generating
    /// it on first start) and every verification key.
    pub fn load(settings: &AuthSettings, data_dir: &Path) -> anyhow::Result<KeyRing> {
        let signing_key = if settings.signing_key_file.is_empty() {
            load_or_generate(&data_dir.join("keys").join("jwt-ed25519.pem"))?
        } else {
            let pem = std::fs::read_to_string(&settings.signing_key_file).map_err(|e| {
                anyhow::anyhow!(
                    "configuration error: auth.signing_key_file: cannot read {}: {e}",
                    settings.signing_key_file
                )
            })?;
            SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
                anyhow::anyhow!(
                    "configuration error: auth.signing_key_file: not an Ed25519 PKCS#8 PEM key: {e}"
                )
            })?
        };
        let mut publics = vec![signing_key.verifying_key().to_bytes()];
        for file in &settings.verify_key_files {
            let pem = std::fs::read_to_string(file).map_err(|e| {
                anyhow::anyhow!(
                    "configuration error: auth.verify_key_files: cannot read {file}: {e}"
                )
            })?;
            let key = ed25519_dalek::VerifyingKey::from_public_key_pem(&pem).map_err(|e| {
                anyhow::anyhow!(
                    "configuration error: auth.verify_key_files: {file} is not an Ed25519 public key: {e}"
                )
            })?;
            publics.push(key.to_bytes());
        }
        Self::from_keys(settings, &signing_key, &publics)
    }

    fn from_keys(
        settings: &AuthSettings,
        signing_key: &SigningKey,
        publics: &[[u8; 32]],
    ) -> anyhow::Result<KeyRing> {
        let der = signing_key
            .to_pkcs8_der()
            .map_err(|e| anyhow::anyhow!("cannot encode signing key: {e}"))?;
        let kid = kid_of(&signing_key.verifying_key().to_bytes());
        let mut verifying = HashMap::new();
        let mut jwk_list = Vec::new();
        for public in publics {
            let id = kid_of(public);
            verifying.insert(id.clone(), DecodingKey::from_ed_der(public));
            jwk_list.push(serde_json::json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": "EdDSA",
                "use": "sig",
                "kid": id,
                "x": URL_SAFE_NO_PAD.encode(public),
            }));
        }
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.algorithms = vec![Algorithm::EdDSA];
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = settings.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = false;
        Ok(KeyRing {
            kid,
            signing: EncodingKey::from_ed_der(der.as_bytes()),
            verifying,
            jwks: serde_json::json!({ "keys": jwk_list }),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl_secs: i64::try_from(settings.access_ttl_secs).unwrap_or(3600),
            leeway_secs: i64::try_from(settings.leeway_secs).unwrap_or(0),
            verified: Default::default(),
        })
    }

    /// A key ring with a fresh key, for tests.
    pub fn ephemeral(settings: &AuthSettings) -> anyhow::Result<KeyRing> {
        let key = generate()?;
        let public = key.verifying_key().to_bytes();
        Self::from_keys(settings, &key, &[public])
    }

    pub fn access_ttl_secs(&self) -> i64 {
        self.access_ttl_secs
    }

    /// The public keys as a JWK Set, for `/.well-known/jwks.json`.
    pub fn jwks(&self) -> &serde_json::Value {
        &self.jwks
    }

    /// Signs an access token for `user_id`; returns it with its lifetime in seconds.
    pub fn issue(&self, user_id: &str, role: Role, auth_version: i64) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            iat: now,
            exp: now + self.access_ttl_secs,
            jti: uuid::Uuid::now_v7().to_string(),
            typ: ACCESS_TOKEN_TYPE.into(),
            role,
            ver: auth_version,
        };
        self.sign(&claims)
    }

    pub fn sign(&self, claims: &AccessClaims) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        Ok(jsonwebtoken::encode(&header, claims, &self.signing)?)
    }

    /// Checks a token. A token verified before is recognised by its hash (its expiry is
    /// still checked); anything else goes through the full check.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = chrono::Utc::now().timestamp();
        if let Ok(memo) = self.verified.lock()
            && let Some(claims) = memo.get(&digest)
            && claims.exp + self.leeway_secs >= now
        {
            return Ok(claims.clone());
        }
        let claims = self.verify_uncached(token)?;
        if let Ok(mut memo) = self.verified.lock() {
            if memo.len() >= VERIFIED_MEMO_MAX {
                memo.clear();
            }
            memo.insert(digest, claims.clone());
        }
        Ok(claims)
    }

    fn verify_uncached(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| TokenError::Invalid("malformed token"))?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Invalid("unexpected algorithm"));
        }
        if header.jku.is_some()
            || header.jwk.is_some()
            || header.x5u.is_some()
            || header.x5c.is_some()
        {
            return Err(TokenError::Invalid("token names its own key"));
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.verifying.get(kid))
            .ok_or(TokenError::Invalid("unknown key id"))?;
        let claims = match jsonwebtoken::decode::<AccessClaims>(token, key, &self.validation) {
            Ok(data) => data.claims,
            Err(e) => {
                return Err(match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                        // The signature and every other claim were checked before expiry.
                        match jsonwebtoken::dangerous::insecure_decode::<AccessClaims>(token) {
                            Ok(data) if data.claims.typ == ACCESS_TOKEN_TYPE => {
                                TokenError::Expired {
                                    sub: data.claims.sub,
                                }
                            }
                            _ => TokenError::Invalid("not an access token"),
                        }
                    }
                    jsonwebtoken::errors::ErrorKind::InvalidIssuer => {
                        TokenError::Invalid("wrong issuer")
                    }
                    jsonwebtoken::errors::ErrorKind::InvalidAudience => {
                        TokenError::Invalid("wrong audience")
                    }
                    jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                        TokenError::Invalid("bad signature")
                    }
                    _ => TokenError::Invalid("invalid token"),
                });
            }
        };
        if claims.typ != ACCESS_TOKEN_TYPE {
            return Err(TokenError::Invalid("not an access token"));
        }
        Ok(claims)
    }
}

fn generate() -> anyhow::Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

fn load_or_generate(path: &PathBuf) -> anyhow::Result<SigningKey> {
    if path.exists() {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        return SigningKey::from_pkcs8_pem(&pem)
            .map_err(|e| anyhow::anyhow!("{} is not an Ed25519 key: {e}", path.display()));
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", parent.display()))?;
    }
    let key = generate()?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("cannot encode key: {e}"))?;
    write_private(path, pem.as_bytes())?;
    tracing::info!(path = %path.display(), "generated a new token signing key");
    Ok(key)
}

fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
impl KeyRing {
    fn sign_raw<T: Serialize>(&self, claims: &T) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.signing)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> KeyRing {
        KeyRing::ephemeral(&AuthSettings::default()).unwrap()
    }

    fn claims(ring: &KeyRing) -> AccessClaims {
        let now = chrono::Utc::now().timestamp();
        AccessClaims {
            iss: ring.issuer.clone(),
            aud: ring.audience.clone(),
            sub: "user-1".into(),
            iat: now,
            exp: now + 600,
            jti: "j".into(),
            typ: ACCESS_TOKEN_TYPE.into(),
            role: Role::Customer,
            ver: 1,
        }
    }

    fn b64(v: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    }

    #[test]
    fn issued_tokens_verify() {
        let ring = ring();
        let token = ring.issue("user-1", Role::Staff, 3).unwrap();
        let c = ring.verify(&token).unwrap();
        assert_eq!((c.sub.as_str(), c.role, c.ver), ("user-1", Role::Staff, 3));
    }

    #[test]
    fn a_tampered_payload_is_rejected() {
        let ring = ring();
        let token = ring.issue("user-1", Role::Customer, 1).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let mut c = claims(&ring);
        c.role = Role::Admin;
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64(&serde_json::to_value(&c).unwrap()),
            parts[2]
        );
        assert_eq!(
            ring.verify(&forged),
            Err(TokenError::Invalid("bad signature"))
        );
    }

    #[test]
    fn alg_none_is_rejected() {
        let ring = ring();
        let c = claims(&ring);
        let header = serde_json::json!({"alg": "none", "typ": "JWT", "kid": ring.kid});
        let token = format!(
            "{}.{}.",
            b64(&header),
            b64(&serde_json::to_value(&c).unwrap())
        );
        assert!(matches!(ring.verify(&token), Err(TokenError::Invalid(_))));
    }

    #[test]
    fn hs256_with_the_public_key_as_secret_is_rejected() {
        let ring = ring();
        let c = claims(&ring);
        let public = ring.jwks["keys"][0]["x"].as_str().unwrap().to_string();
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(ring.kid.clone());
        let token = jsonwebtoken::encode(&header, &c, &EncodingKey::from_secret(public.as_bytes()))
            .unwrap();
        assert_eq!(
            ring.verify(&token),
            Err(TokenError::Invalid("unexpected algorithm"))
        );
    }

    #[test]
    fn header_supplied_keys_and_unknown_kids_are_rejected() {
        let ring = ring();
        let attacker = KeyRing::ephemeral(&AuthSettings::default()).unwrap();
        let c = claims(&ring);
        // Signed with the attacker's key, pointing at it with jku or embedding it as jwk.
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(ring.kid.clone());
        header.jku = Some("https://attacker.example/jwks.json".into());
        let token = jsonwebtoken::encode(&header, &c, &attacker.signing).unwrap();
        assert_eq!(
            ring.verify(&token),
            Err(TokenError::Invalid("token names its own key"))
        );
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(ring.kid.clone());
        header.x5u = Some("https://attacker.example/cert.pem".into());
        let token = jsonwebtoken::encode(&header, &c, &attacker.signing).unwrap();
        assert!(ring.verify(&token).is_err());
        // The attacker's own kid is unknown here.
        let token = attacker.sign(&c).unwrap();
        assert_eq!(
            ring.verify(&token),
            Err(TokenError::Invalid("unknown key id"))
        );
    }

    #[test]
    fn wrong_audience_issuer_and_type_are_rejected() {
        let ring = ring();
        let mut c = claims(&ring);
        c.aud = "another-api".into();
        assert_eq!(
            ring.verify(&ring.sign(&c).unwrap()),
            Err(TokenError::Invalid("wrong audience"))
        );
        let mut c = claims(&ring);
        c.iss = "https://evil.example".into();
        assert_eq!(
            ring.verify(&ring.sign(&c).unwrap()),
            Err(TokenError::Invalid("wrong issuer"))
        );
        let mut c = claims(&ring);
        c.typ = "refresh".into();
        assert_eq!(
            ring.verify(&ring.sign(&c).unwrap()),
            Err(TokenError::Invalid("not an access token"))
        );
    }

    #[test]
    fn expiry_is_reported_apart_from_other_failures() {
        let ring = ring();
        let mut c = claims(&ring);
        c.exp = chrono::Utc::now().timestamp() - 3600;
        assert_eq!(
            ring.verify(&ring.sign(&c).unwrap()),
            Err(TokenError::Expired {
                sub: "user-1".into()
            })
        );
        // Within the leeway it still passes.
        let mut c = claims(&ring);
        c.exp = chrono::Utc::now().timestamp() - 5;
        assert!(ring.verify(&ring.sign(&c).unwrap()).is_ok());
        // A token without exp is refused.
        #[derive(Serialize)]
        struct NoExp {
            iss: String,
            aud: String,
            sub: String,
            typ: String,
        }
        let token = ring
            .sign_raw(&NoExp {
                iss: ring.issuer.clone(),
                aud: ring.audience.clone(),
                sub: "u".into(),
                typ: ACCESS_TOKEN_TYPE.into(),
            })
            .unwrap();
        assert!(matches!(ring.verify(&token), Err(TokenError::Invalid(_))));
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let settings = AuthSettings {
            leeway_secs: 0,
            ..AuthSettings::default()
        };
        let ring = KeyRing::ephemeral(&settings).unwrap();
        let mut c = claims(&ring);
        c.exp = chrono::Utc::now().timestamp() + 1;
        let token = ring.sign(&c).unwrap();
        assert!(ring.verify(&token).is_ok());
        assert!(ring.verify(&token).is_ok(), "from the memo");
        std::thread::sleep(std::time::Duration::from_millis(2100));
        assert!(matches!(
            ring.verify(&token),
            Err(TokenError::Expired { .. })
        ));
    }

    #[test]
    fn old_keys_keep_verifying_after_rotation() {
        let settings = AuthSettings::default();
        let old = generate().unwrap();
        let new = generate().unwrap();
        let old_ring =
            KeyRing::from_keys(&settings, &old, &[old.verifying_key().to_bytes()]).unwrap();
        let rotated = KeyRing::from_keys(
            &settings,
            &new,
            &[
                new.verifying_key().to_bytes(),
                old.verifying_key().to_bytes(),
            ],
        )
        .unwrap();
        let token = old_ring.issue("u", Role::Customer, 1).unwrap();
        assert!(rotated.verify(&token).is_ok());
        assert_eq!(rotated.jwks()["keys"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn a_generated_key_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let settings = AuthSettings::default();
        let first = KeyRing::load(&settings, dir.path()).unwrap();
        let token = first.issue("u", Role::Customer, 1).unwrap();
        let second = KeyRing::load(&settings, dir.path()).unwrap();
        assert!(second.verify(&token).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("keys/jwt-ed25519.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
