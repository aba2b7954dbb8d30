//! OpenID Connect relying party: discovery, the authorization code flow with PKCE, the
//! token exchange and ID token verification against the provider's JWKS. Account rules
//! (who an identity logs in as) are the service's; this module only proves who the
//! provider says the user is.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::RwLock;

use crate::config::{OidcProviderSettings, secure_or_loopback};
use crate::http::AppError;

/// Discovery documents and key sets are fetched again after this long.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// An unknown `kid` refetches the key set (key rotation), at most this often.
const JWKS_REFETCH_MIN: Duration = Duration::from_secs(30);
/// Clock skew allowed on `exp`, `nbf` and `iat` of ID tokens.
const LEEWAY_SECS: u64 = 60;
/// Only asymmetric signatures: an ID token signed with the client secret (HS*) or not
/// at all is refused.
const ALLOWED_ALGS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The parts of `/.well-known/openid-configuration` the flow needs.
#[derive(Debug, Clone, Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    userinfo_endpoint: Option<String>,
    #[serde(default)]
    id_token_signing_alg_values_supported: Vec<String>,
    /// RFC 9207: the provider adds `iss` to its redirect, which must then be checked.
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
}

struct Provider {
    settings: OidcProviderSettings,
    redirect_uri: String,
    metadata: RwLock<Option<(Metadata, Instant)>>,
    jwks: RwLock<Option<(JwkSet, Instant)>>,
}

/// What the redirect to the provider carries, and what the callback must match.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub code_verifier: String,
}

/// Who the provider says logged in.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
}

/// The callback's parameters, checked against the login started earlier.
pub struct Callback<'a> {
    pub code: &'a str,
    /// The `iss` query parameter of the redirect, when the provider sent one.
    pub iss: Option<&'a str>,
    pub nonce: &'a str,
    pub code_verifier: &'a str,
}

pub struct OidcClient {
    /// Built on first use: its TLS roots cost megabytes a store without OpenID login
    /// should not carry.
    http: std::sync::OnceLock<reqwest::Client>,
    providers: BTreeMap<String, Provider>,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    access_token: Option<String>,
}

#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    nonce: Option<String>,
    aud: serde_json::Value,
    azp: Option<String>,
    email: Option<String>,
    email_verified: Option<serde_json::Value>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct UserInfo {
    sub: String,
    email: Option<String>,
    email_verified: Option<serde_json::Value>,
    name: Option<String>,
}

/// `true` and `"true"` both occur in the wild.
fn truthy(value: &Option<serde_json::Value>) -> bool {
    match value {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s == "true",
        _ => false,
    }
}

fn refused(detail: impl Into<String>) -> AppError {
    AppError::Unauthenticated(detail.into())
}

fn upstream(detail: impl std::fmt::Display) -> AppError {
    AppError::BadGateway(format!("identity provider: {detail}"))
}

pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl OidcClient {
    pub fn new(
        providers: &BTreeMap<String, OidcProviderSettings>,
        public_url: &str,
    ) -> anyhow::Result<Self> {
        let http = std::sync::OnceLock::new();
        let providers = providers
            .iter()
            .map(|(name, settings)| {
                let redirect_uri = if settings.redirect_url.is_empty() {
                    format!(
                        "{}/api/v1/auth/oidc/{name}/callback",
                        public_url.trim_end_matches('/')
                    )
                } else {
                    settings.redirect_url.clone()
                };
                (
                    name.clone(),
                    Provider {
                        settings: settings.clone(),
                        redirect_uri,
                        metadata: RwLock::new(None),
                        jwks: RwLock::new(None),
                    },
                )
            })
            .collect();
        Ok(Self { http, providers })
    }

    fn http(&self) -> Result<&reqwest::Client, AppError> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            // Discovery, token and key URLs are used as published, never followed elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("kirana/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AppError::internal(format!("HTTP client: {e}")))?;
        Ok(self.http.get_or_init(|| client))
    }

    /// Configured providers: (name, label).
    pub fn list(&self) -> Vec<(String, String)> {
        self.providers
            .iter()
            .map(|(name, p)| {
                let label = if p.settings.label.is_empty() {
                    name.clone()
                } else {
                    p.settings.label.clone()
                };
                (name.clone(), label)
            })
            .collect()
    }

    fn provider(&self, name: &str) -> Result<&Provider, AppError> {
        self.providers
            .get(name)
            .ok_or_else(|| AppError::NotFound(format!("no login provider named {name}")))
    }

    async fn metadata(&self, p: &Provider) -> Result<Metadata, AppError> {
        if let Some((m, at)) = p.metadata.read().await.as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(m.clone());
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            p.settings.issuer.trim_end_matches('/')
        );
        let m: Metadata = self.get_json(&url).await?;
        // The document must speak for the issuer we trust (OpenID Discovery 4.3).
        if m.issuer != p.settings.issuer {
            return Err(upstream(format!(
                "discovery names issuer {} instead of {}",
                m.issuer, p.settings.issuer
            )));
        }
        for endpoint in [&m.authorization_endpoint, &m.token_endpoint, &m.jwks_uri] {
            let parsed = url::Url::parse(endpoint).map_err(upstream)?;
            if !secure_or_loopback(&parsed) {
                return Err(upstream(format!("endpoint {endpoint} is not https")));
            }
        }
        *p.metadata.write().await = Some((m.clone(), Instant::now()));
        Ok(m)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, AppError> {
        let response = self.http()?.get(url).send().await.map_err(upstream)?;
        if !response.status().is_success() {
            return Err(upstream(format!("{url} answered {}", response.status())));
        }
        response.json().await.map_err(upstream)
    }

    /// The provider's keys; `refresh` fetches them again (an unknown `kid`), but not
    /// more often than `JWKS_REFETCH_MIN`.
    async fn jwks(&self, p: &Provider, m: &Metadata, refresh: bool) -> Result<JwkSet, AppError> {
        if let Some((set, at)) = p.jwks.read().await.as_ref() {
            let fresh = at.elapsed() < METADATA_TTL;
            if fresh && (!refresh || at.elapsed() < JWKS_REFETCH_MIN) {
                return Ok(set.clone());
            }
        }
        let set: JwkSet = self.get_json(&m.jwks_uri).await?;
        *p.jwks.write().await = Some((set.clone(), Instant::now()));
        Ok(set)
    }

    /// The URL to send the browser to, with fresh state, nonce and PKCE verifier.
    pub async fn authorize(
        &self,
        name: &str,
        random: impl Fn() -> Result<String, AppError>,
    ) -> Result<Authorization, AppError> {
        let p = self.provider(name)?;
        let m = self.metadata(p).await?;
        let state = random()?;
        let nonce = random()?;
        let code_verifier = random()?;
        let mut url = url::Url::parse(&m.authorization_endpoint).map_err(upstream)?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &p.settings.client_id)
            .append_pair("redirect_uri", &p.redirect_uri)
            .append_pair("scope", &p.settings.scopes)
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &pkce_challenge(&code_verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(Authorization {
            url: url.into(),
            state,
            nonce,
            code_verifier,
        })
    }

    /// Exchanges the code and verifies the ID token; reads e-mail from userinfo when
    /// the ID token does not carry it.
    pub async fn complete(
        &self,
        name: &str,
        callback: Callback<'_>,
    ) -> Result<VerifiedIdentity, AppError> {
        let p = self.provider(name)?;
        let m = self.metadata(p).await?;
        match callback.iss {
            Some(iss) if iss != m.issuer => {
                return Err(refused("the redirect came from a different issuer"));
            }
            None if m.authorization_response_iss_parameter_supported => {
                return Err(refused("the redirect lacks the issuer (iss) parameter"));
            }
            _ => {}
        }
        let form = [
            ("grant_type", "authorization_code"),
            ("code", callback.code),
            ("redirect_uri", p.redirect_uri.as_str()),
            ("code_verifier", callback.code_verifier),
        ];
        // RFC 6749 2.3.1: both parts are form-encoded before basic authentication.
        let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let response = self
            .http()?
            .post(&m.token_endpoint)
            .basic_auth(
                encode(&p.settings.client_id),
                Some(encode(p.settings.client_secret.expose())),
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(upstream)?;
        let status = response.status();
        if status.is_client_error() {
            let body = response.text().await.unwrap_or_default();
            tracing::warn!(provider = name, %status, body = %body.chars().take(300).collect::<String>(), "token exchange refused");
            return Err(refused(
                "the identity provider refused the authorization code",
            ));
        }
        if !status.is_success() {
            return Err(upstream(format!("token endpoint answered {status}")));
        }
        let tokens: TokenResponse = response.json().await.map_err(upstream)?;
        let id_token = tokens
            .id_token
            .ok_or_else(|| upstream("the token response has no id_token"))?;
        let claims = self.verify_id_token(p, &m, &id_token).await?;
        if claims.nonce.as_deref() != Some(callback.nonce) {
            return Err(refused("the ID token's nonce does not match this login"));
        }
        let mut identity = VerifiedIdentity {
            issuer: m.issuer.clone(),
            subject: claims.sub,
            email: claims.email,
            email_verified: truthy(&claims.email_verified),
            name: claims.name,
        };
        let needs_userinfo = identity.email.is_none() || claims.email_verified.is_none();
        if let (true, Some(endpoint), Some(access)) =
            (needs_userinfo, &m.userinfo_endpoint, &tokens.access_token)
        {
            let response = self
                .http()?
                .get(endpoint)
                .bearer_auth(access)
                .send()
                .await
                .map_err(upstream)?;
            if !response.status().is_success() {
                return Err(upstream(format!("userinfo answered {}", response.status())));
            }
            let info: UserInfo = response.json().await.map_err(upstream)?;
            // OpenID Core 5.3.2: userinfo is about the ID token's subject or ignored.
            if info.sub != identity.subject {
                return Err(refused("userinfo describes a different subject"));
            }
            identity.email = info.email;
            identity.email_verified = truthy(&info.email_verified);
            identity.name = identity.name.or(info.name);
        }
        Ok(identity)
    }

    async fn verify_id_token(
        &self,
        p: &Provider,
        m: &Metadata,
        token: &str,
    ) -> Result<IdClaims, AppError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| refused("the ID token is malformed"))?;
        let alg = header.alg;
        let advertised = m.id_token_signing_alg_values_supported.is_empty()
            || m.id_token_signing_alg_values_supported
                .iter()
                .any(|a| a.parse::<Algorithm>().ok() == Some(alg));
        if !ALLOWED_ALGS.contains(&alg) || !advertised {
            return Err(refused(format!(
                "the ID token is signed with {alg:?}, which is not accepted"
            )));
        }
        let mut set = self.jwks(p, m, false).await?;
        let pick = |set: &JwkSet| match &header.kid {
            Some(kid) => set.find(kid).cloned(),
            None if set.keys.len() == 1 => set.keys.first().cloned(),
            None => None,
        };
        let jwk = match pick(&set) {
            Some(k) => k,
            None => {
                set = self.jwks(p, m, true).await?;
                pick(&set).ok_or_else(|| refused("the ID token's key is not the provider's"))?
            }
        };
        if let Some(key_alg) = jwk.common.key_algorithm
            && key_alg.to_string() != format!("{alg:?}")
        {
            return Err(refused("the ID token's algorithm does not match its key"));
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| upstream(format!("bad JWK: {e}")))?;
        let mut validation = Validation::new(alg);
        validation.set_issuer(&[m.issuer.as_str()]);
        validation.set_audience(&[p.settings.client_id.as_str()]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        let claims = jsonwebtoken::decode::<IdClaims>(token, &key, &validation)
            .map_err(|e| refused(format!("the ID token is not valid: {e}")))?
            .claims;
        // OpenID Core 3.1.3.7: with several audiences, azp must be this client.
        let several = matches!(&claims.aud, serde_json::Value::Array(a) if a.len() > 1);
        if (several || claims.azp.is_some())
            && claims.azp.as_deref() != Some(p.settings.client_id.as_str())
        {
            return Err(refused("the ID token was issued to another party (azp)"));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_unpadded_base64url_sha256() {
        // Worked out independently with Python's hashlib and base64.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K1uhbF9P7Pqq8LQ3xx6T1Aw6xc"),
            "OCQ00CSP8KiiS78F6UbbNN8haGoy_y8GBVYqVZOSxdg"
        );
    }

    #[test]
    fn email_verified_accepts_bool_and_string() {
        assert!(truthy(&Some(serde_json::json!(true))));
        assert!(truthy(&Some(serde_json::json!("true"))));
        assert!(!truthy(&Some(serde_json::json!("false"))));
        assert!(!truthy(&None));
    }
}
