//! `BlobStore` on the local disk, under `{data_dir}/blobs/`. Files are written to a
//! temporary name and renamed, so a crash never leaves half an image behind a key.

use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::contracts::blob::{Blob, BlobStore};
use crate::http::AppError;

pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The file for `key`, refusing anything that could leave the root.
    fn path(&self, key: &str) -> Result<PathBuf, AppError> {
        let ok = !key.is_empty()
            && key.len() <= 200
            && key.split('/').all(|part| {
                !part.is_empty()
                    && part != "."
                    && part != ".."
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
            });
        if !ok {
            return Err(AppError::NotFound("no such file".into()));
        }
        Ok(self.root.join(key))
    }
}

pub fn content_type_of(key: &str) -> &'static str {
    match Path::new(key).extension().and_then(|e| e.to_str()) {
        Some("png") => "image/png",
        Some("jpg") | Some("jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        _ => "application/octet-stream",
    }
}

#[async_trait::async_trait]
impl BlobStore for LocalBlobStore {
    async fn put(&self, key: &str, bytes: Bytes, _content_type: &str) -> Result<(), AppError> {
        let path = self.path(key)?;
        tokio::task::spawn_blocking(move || {
            let dir = path
                .parent()
                .ok_or_else(|| AppError::internal("blob path without a folder"))?;
            std::fs::create_dir_all(dir)
                .map_err(|e| AppError::internal(format!("cannot create {}: {e}", dir.display())))?;
            let tmp = path.with_extension(format!("tmp-{}", crate::db::new_id()));
            std::fs::write(&tmp, &bytes)
                .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
                .and_then(|()| std::fs::rename(&tmp, &path))
                .map_err(|e| {
                    let _ = std::fs::remove_file(&tmp);
                    AppError::internal(format!("cannot store {}: {e}", path.display()))
                })
        })
        .await
        .map_err(|e| AppError::internal(format!("blob task: {e}")))?
    }

    async fn get(&self, key: &str) -> Result<Option<Blob>, AppError> {
        let path = self.path(key)?;
        let content_type = content_type_of(key).to_string();
        tokio::task::spawn_blocking(move || match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(Blob {
                bytes: Bytes::from(bytes),
                content_type,
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(AppError::internal(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        })
        .await
        .map_err(|e| AppError::internal(format!("blob task: {e}")))?
    }

    async fn delete(&self, key: &str) -> Result<(), AppError> {
        let path = self.path(key)?;
        tokio::task::spawn_blocking(move || match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(AppError::internal(format!(
                "cannot delete {}: {e}",
                path.display()
            ))),
        })
        .await
        .map_err(|e| AppError::internal(format!("blob task: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn blobs_round_trip_and_keys_cannot_escape() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = LocalBlobStore::new(dir.path());
        store
            .put("products/abc.png", Bytes::from_static(b"png"), "image/png")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let blob = store.get("products/abc.png").await.ok().flatten();
        assert_eq!(
            blob.map(|b| (b.bytes, b.content_type)),
            Some((Bytes::from_static(b"png"), "image/png".into()))
        );
        assert!(store.get("../etc/passwd").await.is_err());
        assert!(store.get("products/../../x").await.is_err());
        store
            .delete("products/abc.png")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(store.get("products/abc.png").await.ok().flatten().is_none());
    }
}
