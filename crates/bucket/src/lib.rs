//! Where built artifacts live when they are shared: an object store (S3 and S3-compatible
//! stores, Google Cloud Storage and Azure Blob Storage through the `object_store` crate, or
//! memory in tests), addressed by plain keys under one prefix, and the [`lease`]s that let any
//! number of servers on one bucket build each artifact once between them.
//!
//! A [`Bucket`] is opened from a URL, each with its cloud's usual environment:
//! - `s3://bucket/prefix`: `AWS_*` for credentials, region and endpoint (`AWS_ALLOW_HTTP=true`
//!   for a local server);
//! - `gs://bucket/prefix`: `GOOGLE_SERVICE_ACCOUNT` (a key file's path) or
//!   `GOOGLE_SERVICE_ACCOUNT_KEY` (its JSON; an emulator is reached by its `gcs_base_url` and
//!   `disable_oauth` fields);
//! - `az://container/prefix` or `azure://container/prefix`: `AZURE_STORAGE_ACCOUNT_NAME` and
//!   `AZURE_STORAGE_ACCOUNT_KEY` (or a SAS or bearer token), `AZURE_STORAGE_ENDPOINT` for another
//!   endpoint, `AZURE_STORAGE_USE_EMULATOR=true` for Azurite.
//!
//! [`Bucket::check`]
//! [`Bucket::check`] turns a missing bucket or refused credentials into one clear [`Error`]
//! before anything else runs. Keys are content-addressed by the caller (a replay's key names
//! its session, raw-file hash, pipeline and frame rate), so an object is never rewritten with
//! other content, and whatever reads one verifies it (replay files carry their checksums).
//!
//! The local folder (`file://`, the default) is not handled here: it stays the plain
//! cache folder of the server and the CLI.

#![warn(missing_docs)]

pub mod lease;
mod raw;

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};
use std::sync::Arc;

/// What went wrong with the store, named by its URL and key.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The URL is not one of the supported stores.
    #[error("--store {url}: {why}")]
    Url {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        why: String,
    },
    /// The bucket does not exist.
    #[error("{url}: the bucket does not exist ({detail})")]
    NoBucket {
        /// The store's URL.
        url: String,
        /// The store's own words.
        detail: String,
    },
    /// The store refused the credentials.
    #[error("{url}: the store refused the credentials (set {hint}): {detail}")]
    Credentials {
        /// The store's URL.
        url: String,
        /// Which environment variables carry this store's credentials.
        hint: &'static str,
        /// The store's own words.
        detail: String,
    },
    /// Any other failure of a request to the store.
    #[error("{url}: {action} {key}: {detail}")]
    Request {
        /// The store's URL.
        url: String,
        /// What was being done (`get`, `put`...).
        action: &'static str,
        /// The key.
        key: String,
        /// The store's own words.
        detail: String,
    },
}

impl Error {
    /// Whether the store itself is unusable (bucket or credentials), not one request.
    pub fn is_setup(&self) -> bool {
        matches!(self, Error::NoBucket { .. } | Error::Credentials { .. } | Error::Url { .. })
    }
}

/// An object's size and entity tag, as the store reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The key, relative to the bucket's prefix.
    pub key: String,
    /// Bytes.
    pub size: u64,
    /// The store's entity tag (changes with the content).
    pub etag: Option<String>,
}

/// An object store and a prefix in it: the shared home of replay files (and leases).
#[derive(Clone)]
pub struct Bucket {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    url: String,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket").field("url", &self.url).finish()
    }
}

impl Bucket {
    /// Opens `url`: `s3://BUCKET[/PREFIX]`, `gs://BUCKET[/PREFIX]`, `az://CONTAINER[/PREFIX]`
    /// (or `azure://`), each configured from its cloud's environment (see the crate doc), or
    /// `memory://` (an empty store in this process, for tests). Nothing is contacted yet:
    /// [`Bucket::check`] does.
    pub fn open(url: &str) -> Result<Bucket, Error> {
        Bucket::open_with(url, &[])
    }

    /// [`Bucket::open`], with `settings` (the cloud's environment names and values, e.g.
    /// `AWS_ENDPOINT`, `GOOGLE_SERVICE_ACCOUNT_KEY`, `AZURE_STORAGE_ENDPOINT`) over the
    /// environment's.
    pub fn open_with(url: &str, settings: &[(&str, String)]) -> Result<Bucket, Error> {
        let bad = |why: String| Error::Url { url: url.to_owned(), why };
        let expected = "expected file:///DIR, s3://BUCKET/PREFIX, gs://BUCKET/PREFIX, az://CONTAINER/PREFIX or memory://";
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad(expected.into()))?;
        let (name, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_matches('/').to_owned();
        let store: Arc<dyn ObjectStore> = match scheme {
            "memory" => {
                return Ok(Bucket {
                    store: Arc::new(object_store::memory::InMemory::new()),
                    prefix: rest.trim_matches('/').to_owned(),
                    url: url.trim_end_matches('/').to_owned(),
                })
            }
            _ if name.is_empty() => return Err(bad("no bucket or container name".into())),
            "s3" | "s3a" => {
                let builder = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(name);
                let builder = configure(builder, settings, |b, k, v| b.with_config(k, v)).map_err(bad)?;
                Arc::new(builder.build().map_err(|e| bad(e.to_string()))?)
            }
            "gs" | "gcs" => {
                let builder = object_store::gcp::GoogleCloudStorageBuilder::from_env().with_bucket_name(name);
                let builder = configure(builder, settings, |b, k, v| b.with_config(k, v)).map_err(bad)?;
                Arc::new(builder.build().map_err(|e| bad(e.to_string()))?)
            }
            "az" | "azure" => {
                let builder = object_store::azure::MicrosoftAzureBuilder::from_env().with_container_name(name);
                let builder = configure(builder, settings, |b, k, v| b.with_config(k, v)).map_err(bad)?;
                Arc::new(builder.build().map_err(|e| bad(e.to_string()))?)
            }
            other => return Err(bad(format!("unsupported scheme {other:?}: {expected}"))),
        };
        Ok(Bucket { store, prefix, url: url.trim_end_matches('/').to_owned() })
    }

    /// The URL it was opened from.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn path(&self, key: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        }
    }

    /// Whether the bucket exists and takes the credentials (one listing request): a missing
    /// bucket or refused credentials is an [`Error::NoBucket`] or [`Error::Credentials`].
    pub async fn check(&self) -> Result<(), Error> {
        let prefix = self.path(".check");
        let mut listing = self.store.list(Some(&prefix));
        listing.try_next().await.map_err(|e| self.error("list", ".check", e))?;
        Ok(())
    }

    /// The object at `key`, or `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, Error> {
        let got = match self.store.get(&self.path(key)).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.error("get", key, e)),
        };
        got.bytes().await.map(Some).map_err(|e| self.error("get", key, e))
    }

    /// The size and entity tag of `key`, or `None` when there is none.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, Error> {
        match self.store.head(&self.path(key)).await {
            Ok(meta) => Ok(Some(ObjectInfo { key: key.to_owned(), size: meta.size, etag: meta.e_tag })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error("head", key, e)),
        }
    }

    /// Writes `bytes` at `key`, replacing what was there (an object appears whole or not at all).
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), Error> {
        self.store.put(&self.path(key), PutPayload::from_bytes(bytes)).await.map_err(|e| self.error("put", key, e))?;
        Ok(())
    }

    /// Writes `bytes` at `key` only if nothing is there (atomic create-if-absent); `false` when
    /// an object already was.
    pub async fn create(&self, key: &str, bytes: Bytes) -> Result<bool, Error> {
        let opts = PutOptions { mode: PutMode::Create, ..Default::default() };
        match self.store.put_opts(&self.path(key), PutPayload::from_bytes(bytes), opts).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(self.error("create", key, e)),
        }
    }

    /// Removes `key` (nothing there is not an error).
    pub async fn delete(&self, key: &str) -> Result<(), Error> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error("delete", key, e)),
        }
    }

    /// The objects whose keys start with `under/`, keys relative to the prefix, sorted.
    pub async fn list(&self, under: &str) -> Result<Vec<ObjectInfo>, Error> {
        let base = self.path(under);
        let strip = if self.prefix.is_empty() { String::new() } else { format!("{}/", self.prefix) };
        let found: Vec<_> = self.store.list(Some(&base)).try_collect().await.map_err(|e| self.error("list", under, e))?;
        let mut out: Vec<ObjectInfo> = found
            .into_iter()
            .map(|m| {
                let full = m.location.to_string();
                let key = full.strip_prefix(&strip).unwrap_or(&full).to_owned();
                ObjectInfo { key: decode_key(&key), size: m.size, etag: m.e_tag }
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    /// Turns the store's error into ours, recognising a missing bucket and refused credentials
    /// by the error codes of S3, GCS and Azure.
    fn error(&self, action: &'static str, key: &str, e: object_store::Error) -> Error {
        let detail = e.to_string();
        let url = self.url.clone();
        let missing = ["NoSuchBucket", "ContainerNotFound", "The specified bucket does not exist", "bucket not found"];
        if missing.iter().any(|m| detail.contains(m)) {
            return Error::NoBucket { url, detail: short(&detail) };
        }
        let refused = [
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "AccessDenied",
            "ExpiredToken",
            "InvalidToken",
            "AuthenticationFailed",
            "AuthorizationFailure",
            "InvalidAuthenticationInfo",
        ];
        if matches!(e, object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. })
            || refused.iter().any(|r| detail.contains(r))
        {
            return Error::Credentials { hint: credentials_hint(&url), url, detail: short(&detail) };
        }
        Error::Request { url, action, key: key.to_owned(), detail: short(&detail) }
    }
}

/// Applies `settings` (environment-style names, any case) to a cloud's builder through `set`,
/// each name parsed as that cloud's configuration key.
fn configure<B, K>(mut builder: B, settings: &[(&str, String)], set: impl Fn(B, K, &str) -> B) -> Result<B, String>
where
    K: std::str::FromStr<Err = object_store::Error>,
{
    for (name, value) in settings {
        let key = name.to_ascii_lowercase().parse().map_err(|e: object_store::Error| format!("{name}: {e}"))?;
        builder = set(builder, key, value);
    }
    Ok(builder)
}

/// The environment variables carrying the credentials of the store at `url`.
fn credentials_hint(url: &str) -> &'static str {
    match url.split_once("://").map(|(scheme, _)| scheme) {
        Some("gs" | "gcs") => "GOOGLE_SERVICE_ACCOUNT or GOOGLE_SERVICE_ACCOUNT_KEY",
        Some("az" | "azure") => "AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY, or a SAS or bearer token",
        _ => "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    }
}

/// The store's message, on one line and bounded: an S3 error body's code and message when
/// there is one (`NoSuchBucket: The specified bucket does not exist`).
fn short(detail: &str) -> String {
    let between =
        |open: &str, close: &str| detail.split_once(open).and_then(|(_, rest)| rest.split_once(close)).map(|(v, _)| v.trim().to_owned());
    if let (Some(code), Some(message)) = (between("<Code>", "</Code>"), between("<Message>", "</Message>")) {
        return format!("{code}: {message}");
    }
    let one_line: String = detail.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(400).collect()
}

/// A key as listed (percent-encoded where object stores advise against a character) back to
/// the key the caller gave.
fn decode_key(listed: &str) -> String {
    let bytes = listed.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn objects_round_trip_and_create_is_exclusive() {
        let b = Bucket::open("memory://prefix").unwrap();
        b.check().await.unwrap();
        assert_eq!(b.get("replay/2025~mexico~q@x.f1r").await.unwrap(), None);
        b.put("replay/2025~mexico~q@x.f1r", Bytes::from_static(b"one")).await.unwrap();
        assert_eq!(b.get("replay/2025~mexico~q@x.f1r").await.unwrap().as_deref(), Some(&b"one"[..]));
        assert!(b.create("lease/a", Bytes::from_static(b"1")).await.unwrap());
        assert!(!b.create("lease/a", Bytes::from_static(b"2")).await.unwrap());
        assert_eq!(b.get("lease/a").await.unwrap().as_deref(), Some(&b"1"[..]));
        let listed: Vec<String> = b.list("replay").await.unwrap().into_iter().map(|o| o.key).collect();
        assert_eq!(listed, ["replay/2025~mexico~q@x.f1r"]);
        b.delete("lease/a").await.unwrap();
        b.delete("lease/a").await.unwrap();
        assert_eq!(b.head("lease/a").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_gcs_service_account_whose_key_is_no_key_is_refused_naming_the_store() {
        let key = r#"{"gcs_base_url":"http://127.0.0.1:1","client_email":"a@b","private_key":"not a key","private_key_id":"x"}"#;
        let e = match Bucket::open_with("gs://replays", &[("GOOGLE_SERVICE_ACCOUNT_KEY", key.to_owned())]) {
            Ok(b) => b.check().await.unwrap_err(),
            Err(e) => e,
        };
        assert!(e.to_string().contains("gs://replays") && e.is_setup(), "{e:?}");
    }

    #[test]
    fn bad_urls_are_refused_with_the_reason() {
        for url in ["nothing", "ftp://x", "s3://", "gs://", "az:///prefix"] {
            let e = Bucket::open(url).unwrap_err();
            assert!(e.to_string().starts_with(&format!("--store {url}:")), "{e}");
        }
    }
}
