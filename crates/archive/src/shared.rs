//! [`RawStore`]: a home for raw files shared by several machines (an object-store bucket), which
//! [`CachedSource`](crate::CachedSource) reads before the archive and fills after it.
//!
//! A raw file is stored content-addressed at `raw/RELATIVE/DIGEST`, where `RELATIVE` is its path
//! in the archive's layout (`2025/…/2025-10-25_Qualifying/TimingData.jsonStream`, a team radio
//! clip's `…/TeamRadio/NAME.mp3`, a season's `2025/Index.json`) and `DIGEST` is [`digest`] of its
//! bytes in hex. A reader recomputes the digest of what it got: an object whose bytes do not
//! match its name (a flipped byte, a cut upload) is damaged, and is deleted and replaced by a
//! fresh copy from the archive. A file the archive does not have (a topic a session lacks) is
//! recorded as an empty `raw/RELATIVE/absent`, so a reader without the archive can tell "the
//! session has no such file" from "not stored yet". Only files the archive no longer changes (a finished session's
//! topics, a past season's index) are shared, so one name holds one content.

use std::future::Future;
use std::pin::Pin;

/// A boxed future of a [`RawStore`] call: the store's own error in words on failure.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// A shared store of objects under plain keys (implemented by the `bucket` crate on S3, GCS,
/// Azure or memory). Keys are given relative to the store's own prefix.
pub trait RawStore: Send + Sync + std::fmt::Debug {
    /// The object at `key`, `None` when there is none.
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>>;
    /// Writes `bytes` at `key`.
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> StoreFuture<'a, ()>;
    /// Removes `key` (nothing there is not an error).
    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;
    /// The keys under `dir/`, sorted.
    fn list<'a>(&'a self, dir: &'a str) -> StoreFuture<'a, Vec<String>>;
    /// Its URL, for messages.
    fn url(&self) -> String;
}

/// The digest naming a raw file's object: two CRC-32s of its bytes with different seeds, the
/// second also over its length. Detects any flipped byte or cut; not meant against forgery.
pub fn digest(bytes: &[u8]) -> u64 {
    let mut a = crc32fast::Hasher::new();
    let mut b = crc32fast::Hasher::new_with_initial(0x5bd1_e995);
    a.update(bytes);
    b.update(&(bytes.len() as u64).to_le_bytes());
    b.update(bytes);
    (u64::from(a.finalize()) << 32) | u64::from(b.finalize())
}

/// The folder of `relative`'s objects.
fn dir(relative: &str) -> String {
    format!("raw/{relative}")
}

/// The object key of `bytes` stored for `relative`.
pub fn key(relative: &str, bytes: &[u8]) -> String {
    format!("raw/{relative}/{:016x}", digest(bytes))
}

/// What [`read`] found.
#[derive(Debug)]
pub(crate) enum Found {
    /// A verified copy.
    Good(Vec<u8>),
    /// The archive does not have it (recorded by whoever asked it).
    Absent,
    /// Nothing usable (not stored, or every copy damaged: those were deleted and logged).
    Missing,
}

/// Reads `relative` from `store`: the first object under its folder whose bytes match their
/// digest and pass `check`; damaged objects are deleted and said in the log.
pub(crate) async fn read(store: &dyn RawStore, relative: &str, check: impl Fn(&[u8], &str) -> bool) -> Result<Found, String> {
    let keys = store.list(&dir(relative)).await?;
    for key in &keys {
        if key.ends_with(ABSENT) {
            continue;
        }
        let Some(bytes) = store.get(key).await? else { continue };
        let named = key.rsplit('/').next().and_then(|hex| u64::from_str_radix(hex, 16).ok());
        let location = format!("{}/{key}", store.url());
        if named == Some(digest(&bytes)) && check(&bytes, &location) {
            return Ok(Found::Good(bytes));
        }
        tracing::warn!(object = %location, "raw file in the shared store is damaged (its bytes do not match its digest): deleting it, fetching it again from the archive");
        store.delete(key).await?;
    }
    Ok(if keys.iter().any(|k| k.ends_with(ABSENT)) { Found::Absent } else { Found::Missing })
}

/// The last segment of the marker of a file the archive does not have.
const ABSENT: &str = "/absent";

/// Records that the archive does not have `relative` (a failure is logged).
pub(crate) async fn write_absent(store: &dyn RawStore, relative: &str) {
    let key = format!("{}{ABSENT}", dir(relative));
    if let Err(e) = store.put(&key, Vec::new()).await {
        tracing::warn!(object = %format!("{}/{key}", store.url()), "cannot record the missing raw file in the shared store: {e}");
    }
}

/// Writes `bytes` as `relative`'s object (a failure is logged: the store is a cache).
pub(crate) async fn write(store: &dyn RawStore, relative: &str, bytes: &[u8]) {
    let key = key(relative, bytes);
    if let Err(e) = store.put(&key, bytes.to_vec()).await {
        tracing::warn!(object = %format!("{}/{key}", store.url()), "cannot store the raw file in the shared store: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_changes_with_any_flipped_byte_or_cut() {
        let bytes = b"00:00:01.000{\"Lines\":{}}\r\n".to_vec();
        let base = digest(&bytes);
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x01;
            assert_ne!(digest(&flipped), base, "byte {i} flipped");
        }
        assert_ne!(digest(&bytes[..bytes.len() - 1]), base);
        assert_eq!(key("2025/Index.json", &bytes), format!("raw/2025/Index.json/{base:016x}"));
    }
}
