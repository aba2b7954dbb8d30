//! Outgoing e-mail. With no mail server configured, messages are not sent and their bodies
//! (which may hold reset links) never reach the log; an SMTP mailer implements the trait.

/// Sends one plain-text message. Implementations must not block for long: callers send
/// from the blocking pool.
pub trait Mailer: Send + Sync {
    fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String>;
}

/// Notes in the log that a message could not be sent, without its body: a body may hold
/// a password-reset link, and whoever reads logs must not be able to take over accounts.
pub struct LogMailer;

impl Mailer for LogMailer {
    fn send(&self, to: &str, subject: &str, _body: &str) -> Result<(), String> {
        tracing::warn!(
            to = %to,
            subject = %subject,
            "e-mail not sent: no mail server is configured (mail.smtp_url); an admin can give a \
             user a password-reset link with `kirana reset-link --email ADDRESS`"
        );
        Ok(())
    }
}
