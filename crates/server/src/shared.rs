//! Replays in a shared store (`--store s3://...`): any number of servers on one bucket open a
//! session's replay file from it, or build it once between them.
//!
//! The replay object is `replay/ID@PIPELINE@FPSfps@HASH.f1r` (content-addressed by
//! [`replay::store::CacheKey`]), verified on read like a local cache file: a corrupt or foreign
//! object is rebuilt and replaced. Who builds is decided by a lease on the key
//! ([`bucket::lease`]): the winner builds, renewing its lease while the build makes progress,
//! writes the object, then releases; the others poll for the object, and take the lease over if
//! its holder dies or hangs (a build that reported no progress for a whole lease length is not
//! renewed, so its lease expires). The object is written with an atomic create-if-absent: a
//! builder that wakes up after another took over does not overwrite the newer result (it opens
//! and serves that one); only an object found unusable is replaced.

use std::sync::Arc;
use std::time::Duration;

use bucket::lease::{self, Claim, Lease};
use bucket::Bucket;

use crate::cache::Reporter;
use crate::catalog::SessionId;
use crate::error::ApiError;
use crate::loaded::LoadedReplay;
use crate::store::Store;

/// The object key of a replay file.
pub(crate) fn replay_key(key: &replay::store::CacheKey) -> String {
    format!("replay/{}", key.file_name())
}

/// Opens `id`'s replay from `bucket`, or builds it there (once between the servers sharing it).
pub(crate) async fn open_or_build(
    store: &Arc<Store>,
    bucket: &Bucket,
    id: &SessionId,
    key: replay::store::CacheKey,
    reporter: &Reporter<Arc<LoadedReplay>>,
) -> Result<Arc<LoadedReplay>, ApiError> {
    let ttl = store.lease_ttl();
    let poll = (ttl / 20).clamp(Duration::from_millis(20), Duration::from_millis(500));
    loop {
        if let Some(file) = open(bucket, &key, id).await? {
            return Ok(Arc::new(LoadedReplay::new(id.clone(), file)));
        }
        match lease::claim(bucket, &key.file_name(), ttl).await? {
            Claim::Held(holder) => {
                reporter.progress("waiting", 0.0);
                tracing::debug!(session = %id, holder = %holder.owner, "another server builds the replay; waiting");
                tokio::time::sleep(poll).await;
            }
            Claim::Won(lease) => return build(store, bucket, id, key, lease, reporter).await,
        }
    }
}

/// The verified replay file at `key` in `bucket`; `None` when there is none, or when the one
/// there is unusable (corrupt, or built from something else), which is then rebuilt.
async fn open(bucket: &Bucket, key: &replay::store::CacheKey, id: &SessionId) -> Result<Option<replay::ReplayFile>, ApiError> {
    let object = replay_key(key);
    let Some(bytes) = bucket.get(&object).await? else { return Ok(None) };
    let (k, label) = (key.clone(), format!("{}/{object}", bucket.url()));
    let opened = tokio::task::spawn_blocking(move || {
        let file = replay::ReplayFile::from_bytes(bytes.to_vec(), &label)?;
        k.check(file.manifest()).map_err(|why| replay::Error::Corrupt(format!("{label}: {why}")))?;
        Ok::<_, replay::Error>(file)
    })
    .await?;
    match opened {
        Ok(file) => {
            tracing::info!(session = %id, object, "opened the replay from the shared store");
            Ok(Some(file))
        }
        Err(e) => {
            tracing::warn!(session = %id, "replay in the shared store unusable, rebuilding: {e}");
            Ok(None)
        }
    }
}

/// Builds under `lease` (renewed meanwhile), writes the object, releases.
async fn build(
    store: &Arc<Store>,
    bucket: &Bucket,
    id: &SessionId,
    key: replay::store::CacheKey,
    lease: Lease,
    reporter: &Reporter<Arc<LoadedReplay>>,
) -> Result<Arc<LoadedReplay>, ApiError> {
    // The object may have appeared between the look and the claim (its builder released).
    if let Some(file) = open(bucket, &key, id).await? {
        release(lease, id).await;
        return Ok(Arc::new(LoadedReplay::new(id.clone(), file)));
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let heartbeat = tokio::spawn(renew_while_progressing(lease, stopped, id.clone(), reporter.progress_watch()));
    let started = std::time::Instant::now();
    let built = store.build_encoded(id, reporter).await;
    let written = match &built {
        Ok((bytes, model)) if model.ended => {
            reporter.progress("write", 0.99);
            let key = replay::store::CacheKey { source_hash: model.source_hash, ..key.clone() };
            write(bucket, &key, id, bytes).await
        }
        Ok(_) => {
            tracing::info!(session = %id, "the session has not ended: its replay is kept in memory, not stored");
            Ok(None)
        }
        Err(_) => Ok(None),
    };
    let _ = stop.send(());
    if let Ok(Some(lease)) = heartbeat.await {
        release(lease, id).await;
    }
    let (bytes, _) = built?;
    if let Some(theirs) = written? {
        return Ok(Arc::new(LoadedReplay::new(id.clone(), theirs)));
    }
    reporter.progress("open", 0.0);
    let label = format!("{}/{}", bucket.url(), replay_key(&key));
    let file = tokio::task::spawn_blocking(move || replay::ReplayFile::from_bytes(bytes, &label)).await??;
    let seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    tracing::info!(session = %id, seconds, bytes = file.file_bytes().len(), "replay built into the shared store");
    Ok(Arc::new(LoadedReplay::new(id.clone(), file)))
}

/// Writes the built replay with create-if-absent. `Some(file)`: another server stored a usable
/// replay first (it took the lease over while this one hung): that one is served, so every
/// server serves the same object. An unusable object there is replaced.
async fn write(
    bucket: &Bucket,
    key: &replay::store::CacheKey,
    id: &SessionId,
    bytes: &[u8],
) -> Result<Option<replay::ReplayFile>, ApiError> {
    let object = replay_key(key);
    if bucket.create(&object, bytes::Bytes::from(bytes.to_vec())).await? {
        return Ok(None);
    }
    if let Some(theirs) = open(bucket, key, id).await? {
        tracing::warn!(session = %id, object, "another server stored this replay first (it took the lease over): serving that one, not overwriting it");
        return Ok(Some(theirs));
    }
    tracing::warn!(session = %id, object, "replacing the unusable replay object");
    bucket.put(&object, bytes::Bytes::from(bytes.to_vec())).await?;
    Ok(None)
}

/// Renews `lease` every third of its length while the build makes progress, until told to stop;
/// gives it back, or `None` when another server took it over (then it is theirs to release). A
/// build whose progress (`progress`, the flight's reports) has not moved for a whole lease
/// length is not renewed: it hangs, and its lease expires so another server can take over.
async fn renew_while_progressing<T>(
    mut lease: Lease,
    mut stop: tokio::sync::oneshot::Receiver<()>,
    id: SessionId,
    mut progress: tokio::sync::watch::Receiver<T>,
) -> Option<Lease> {
    let every = lease.ttl() / 3;
    let mut moved_at = std::time::Instant::now();
    loop {
        tokio::select! {
            _ = &mut stop => return Some(lease),
            _ = tokio::time::sleep(every) => {
                if progress.has_changed().unwrap_or(false) {
                    progress.borrow_and_update();
                    moved_at = std::time::Instant::now();
                }
                if moved_at.elapsed() >= lease.ttl() {
                    let idle = moved_at.elapsed().as_secs_f64();
                    tracing::warn!(session = %id, idle, "the build made no progress for a lease length: its lease is not renewed (another server may take over)");
                    continue;
                }
                match lease.renew().await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(session = %id, "the build's lease was taken over (renewed too late): another server may build it too");
                    let _ = stop.await;
                    return None;
                }
                Err(e) => tracing::warn!(session = %id, "cannot renew the build's lease: {e}"),
                }
            }
        }
    }
}

async fn release(lease: Lease, id: &SessionId) {
    if let Err(e) = lease.release().await {
        tracing::warn!(session = %id, "cannot release the build's lease (it expires by itself): {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Holds a lease of `ttl` under the heartbeat while `progress` is reported every tenth of
    /// it (or never), then says whether another claimant finds it still held after 3 × `ttl`.
    async fn held_after(reporting: bool) -> bool {
        let ttl = Duration::from_millis(600);
        let b = Bucket::open("memory://").unwrap();
        let Claim::Won(lease) = lease::claim(&b, "x", ttl).await.unwrap() else { panic!("first claim lost") };
        let (tx, rx) = tokio::sync::watch::channel(0u32);
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let id = SessionId::parse("sim-race").unwrap();
        let heartbeat = tokio::spawn(renew_while_progressing(lease, stopped, id, rx));
        for n in 0..30 {
            tokio::time::sleep(ttl / 10).await;
            if reporting {
                tx.send_replace(n);
            }
        }
        let held = matches!(lease::claim(&b, "x", ttl).await.unwrap(), Claim::Held(_));
        let _ = stop.send(());
        let _ = heartbeat.await;
        held
    }

    #[tokio::test]
    async fn a_build_that_progresses_keeps_its_lease_and_one_that_hangs_loses_it() {
        assert!(held_after(true).await, "a progressing build lost its lease");
        assert!(!held_after(false).await, "a build without progress kept its lease (a timer alone renewed it)");
    }
}
