//! Outgoing mail over SMTP (lettre), used when `mail.smtp_url` is set; otherwise messages
//! go to the log. URLs: `smtps://user:pass@host:465` (TLS), `smtp://user:pass@host:587?tls=required`
//! (STARTTLS), `smtp://host:25` (plain, for a relay on the same machine).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::{Message, SmtpTransport, Transport};

use crate::config::MailSettings;
use crate::contracts::mail::Mailer;

pub struct SmtpMailer {
    transport: SmtpTransport,
    from: lettre::message::Mailbox,
}

impl SmtpMailer {
    pub fn new(settings: &MailSettings) -> Result<Self, String> {
        let transport = SmtpTransport::from_url(&settings.smtp_url)
            .map_err(|e| format!("mail.smtp_url: {e}"))?
            .timeout(Some(Duration::from_secs(settings.timeout_secs)))
            .build();
        let from = settings
            .from
            .parse()
            .map_err(|e| format!("mail.from: '{}' is not a mailbox: {e}", settings.from))?;
        Ok(Self { transport, from })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to = to.parse().map_err(|e| format!("bad recipient {to}: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| format!("cannot build message: {e}"))?;
        self.transport
            .send(&message)
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}
