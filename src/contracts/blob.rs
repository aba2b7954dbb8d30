//! Where uploaded files (product images) live: a local folder by default, an
//! S3-compatible store later, behind one contract.

use bytes::Bytes;

use crate::http::AppError;

/// A stored file.
#[derive(Debug, Clone)]
pub struct Blob {
    pub bytes: Bytes,
    pub content_type: String,
}

#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `key` (a relative path such as `products/ab12....png`).
    /// Writing the same key again replaces it.
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), AppError>;

    async fn get(&self, key: &str) -> Result<Option<Blob>, AppError>;

    async fn delete(&self, key: &str) -> Result<(), AppError>;
}
