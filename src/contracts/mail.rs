//! Outgoing e-mail. The default mailer writes the message to the log (a small shop may
//! have no mail server); an SMTP mailer can implement the same trait.

/// Sends one plain-text message. Implementations must not block for long: callers send
/// from the blocking pool.
pub trait Mailer: Send + Sync {
    fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String>;
}

/// Logs each message at `info` instead of sending it.
pub struct LogMailer;

impl Mailer for LogMailer {
    fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        tracing::info!(to = %to, subject = %subject, body = %body, "e-mail (log mailer)");
        Ok(())
    }
}
