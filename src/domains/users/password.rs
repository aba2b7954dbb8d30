//! Password rules (NIST 800-63B: length, no composition rules, no common passwords) and
//! argon2id hashing at OWASP's parameters. Hashing is slow on purpose: call it off the
//! async workers.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::http::AppError;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 256;
/// Passwords ranked this high or higher in the common-passwords list are refused.
const COMMON_RANK: usize = 10_000;

fn hasher() -> Argon2<'static> {
    // m = 19 MiB, t = 2, p = 1: OWASP's recommended argon2id configuration.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks a new password; `field` names it in the error.
pub fn check_policy(password: &str, email: &str, field: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(AppError::invalid(
            field,
            format!("must be at least {MIN_CHARS} characters"),
        ));
    }
    if chars > MAX_CHARS {
        return Err(AppError::invalid(
            field,
            format!("must be at most {MAX_CHARS} characters"),
        ));
    }
    if password.eq_ignore_ascii_case(email) {
        return Err(AppError::invalid(field, "must not be your e-mail address"));
    }
    if is_common(password) {
        return Err(AppError::invalid(
            field,
            "is one of the most common passwords; choose another",
        ));
    }
    Ok(())
}

/// Whether the whole password is a well-known one (from zxcvbn's password list).
fn is_common(password: &str) -> bool {
    let entropy = zxcvbn::zxcvbn(password, &[]);
    let matches = entropy.sequence();
    matches.len() == 1
        && matches[0].token.chars().count() == password.chars().count()
        && matches!(
            &matches[0].pattern,
            // zxcvbn keeps its dictionary enum private; its default is the passwords list.
            zxcvbn::matching::patterns::MatchPattern::Dictionary(d)
                if d.dictionary_name == Default::default()
                    && d.rank <= COMMON_RANK
                    && !d.reversed
        )
}

pub fn hash(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("password hashing failed: {e}")))
}

/// Compares in constant time for a given hash; an unparsable hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_the_only_composition_rule() {
        assert!(check_policy("short", "a@b.in", "password").is_err());
        assert!(check_policy("correct horse battery staple", "a@b.in", "password").is_ok());
        assert!(check_policy(&"a".repeat(64), "a@b.in", "password").is_ok());
        assert!(check_policy(&"x".repeat(257), "a@b.in", "password").is_err());
    }

    #[test]
    fn common_passwords_are_refused() {
        for common in ["password", "12345678", "iloveyou", "sunshine", "football1"] {
            assert!(
                check_policy(common, "a@b.in", "password").is_err(),
                "{common} should be refused"
            );
        }
        assert!(check_policy("tamarind-chutney-42", "a@b.in", "password").is_ok());
    }

    #[test]
    fn hashes_are_argon2id_and_never_truncate() {
        let long = "a".repeat(64);
        let h = hash(&long).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(&long, &h));
        assert!(!verify(&"a".repeat(63), &h));
        assert!(!verify(&"a".repeat(65), &h));
        assert!(!verify(&long, "not-a-hash"));
    }
}
