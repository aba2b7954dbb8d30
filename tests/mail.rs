//! Password-reset mail goes out over SMTP when `mail.smtp_url` is set, to a real SMTP
//! conversation with a sink on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use common::{Backend, TestApp, TestDb};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A minimal SMTP server that accepts every message and keeps it.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let store = messages.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut in_data = false;
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            store.lock().unwrap().push(std::mem::take(&mut data));
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, messages)
}

#[actix_web::test]
async fn a_password_reset_link_is_sent_over_smtp() {
    let (port, messages) = smtp_sink().await;
    let app = TestApp::start(
        TestDb::new(&Backend::Sqlite),
        |s| {
            s.mail.smtp_url = format!("smtp://127.0.0.1:{port}").into();
            s.mail.from = "Sharma Stores <orders@sharmastores.in>".into();
            s.auth.public_url = "https://shop.sharmastores.in".into();
        },
        |b| b,
    )
    .await;
    let resp = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .json(
            &json!({"email": "asha@example.in", "password": "masala-dosa-at-7am", "name": "Asha"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let resp = app
        .client
        .post(app.url("/api/v1/auth/password-reset"))
        .json(&json!({"email": "asha@example.in"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);

    let sent = messages.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "{sent:?}");
    // Undo quoted-printable: soft line breaks and encoded '='.
    let message = &sent[0].replace("=\n", "").replace("=3D", "=");
    assert!(message.contains("To: asha@example.in"), "{message}");
    assert!(
        message.contains("From: \"Sharma Stores\" <orders@sharmastores.in>")
            || message.contains("From: Sharma Stores <orders@sharmastores.in>"),
        "{message}"
    );
    assert!(
        message.contains("https://shop.sharmastores.in/reset-password?token="),
        "{message}"
    );
    let token = message
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let resp = app
        .client
        .post(app.url("/api/v1/auth/password-reset/confirm"))
        .json(&json!({"token": token, "new_password": "new-secret-from-mail"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
}

#[test]
fn a_bad_smtp_url_names_the_key() {
    let mut settings = kirana::config::Settings::default();
    settings.mail.smtp_url = "gopher://mail.example.in".into();
    let e = settings.validate().unwrap_err();
    assert_eq!(e.key, "mail.smtp_url", "{e}");
}
