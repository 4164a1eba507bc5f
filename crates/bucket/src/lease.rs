//! Leases: who builds an artifact when several servers share a bucket.
//!
//! A lease on `NAME` is a chain of small objects `lease/NAME/GENERATION`, each written with an
//! atomic create-if-absent, each saying who holds it and until when. Whoever creates the next
//! generation holds the lease: the first claimant creates generation 0; a holder renews by
//! creating the next one before its expiry; and a claimant that finds the last generation
//! expired (its holder died: a crash, a `kill -9`) creates the next one and takes over. Two
//! claimants racing for one generation cannot both win, since only one create succeeds. The
//! holder releases by deleting the chain once its artifact is written, so a claimant must look
//! for the artifact again after winning (it may have appeared in between).
//!
//! Expiry times are the holder's wall clock: servers sharing a bucket are assumed to agree on
//! the time to well within a lease's length.

use crate::{Bucket, Error};
use bytes::Bytes;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What a lease object says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Holder {
    /// Who holds it (host and process).
    pub owner: String,
    /// The holder's process id (so an operator, or a test, can find it).
    pub pid: u32,
    /// When it expires unless renewed, milliseconds since the Unix epoch.
    pub expires_unix_ms: u64,
}

/// The outcome of a [`claim`].
#[derive(Debug)]
pub enum Claim {
    /// This process holds the lease now.
    Won(Lease),
    /// Another holds it until its expiry.
    Held(Holder),
}

/// A lease this process holds.
#[derive(Debug, Clone)]
pub struct Lease {
    bucket: Bucket,
    name: String,
    generation: u64,
    ttl: Duration,
}

/// The owner name of this process.
pub fn this_process() -> String {
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", std::process::id())
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn dir(name: &str) -> String {
    format!("lease/{name}")
}

fn key(name: &str, generation: u64) -> String {
    format!("lease/{name}/{generation:012}")
}

/// Writes generation `generation` of `name`'s lease if nobody has; the lease when it did.
async fn create(bucket: &Bucket, name: &str, generation: u64, ttl: Duration) -> Result<Option<Lease>, Error> {
    let holder = Holder { owner: this_process(), pid: std::process::id(), expires_unix_ms: now_ms() + ttl.as_millis() as u64 };
    let body = serde_json::to_vec(&holder).unwrap_or_default();
    let won = bucket.create(&key(name, generation), Bytes::from(body)).await?;
    Ok(won.then(|| Lease { bucket: bucket.clone(), name: name.to_owned(), generation, ttl }))
}

/// The last generation of `name`'s lease and what it says (`None`: no lease; a generation
/// whose body cannot be read counts as expired).
async fn last(bucket: &Bucket, name: &str) -> Result<Option<(u64, Option<Holder>)>, Error> {
    let listed = bucket.list(&dir(name)).await?;
    let Some(generation) = listed.iter().filter_map(|o| o.key.rsplit('/').next()?.parse::<u64>().ok()).max() else {
        return Ok(None);
    };
    let holder = bucket.get(&key(name, generation)).await?.and_then(|b| serde_json::from_slice::<Holder>(&b).ok());
    Ok(Some((generation, holder)))
}

/// Claims `name`'s lease for `ttl`: won when there is none or the last one expired, else who
/// holds it.
pub async fn claim(bucket: &Bucket, name: &str, ttl: Duration) -> Result<Claim, Error> {
    let next = match last(bucket, name).await? {
        None => 0,
        Some((_, Some(holder))) if holder.expires_unix_ms > now_ms() => return Ok(Claim::Held(holder)),
        Some((generation, _)) => generation + 1,
    };
    match create(bucket, name, next, ttl).await? {
        Some(lease) => Ok(Claim::Won(lease)),
        // Another claimant created it first: it holds the lease.
        None => {
            let holder = bucket.get(&key(name, next)).await?.and_then(|b| serde_json::from_slice::<Holder>(&b).ok());
            Ok(Claim::Held(holder.unwrap_or(Holder {
                owner: "unknown".into(),
                pid: 0,
                expires_unix_ms: now_ms() + ttl.as_millis() as u64,
            })))
        }
    }
}

impl Lease {
    /// How long the lease lasts unless renewed.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Extends the lease by creating its next generation; `false` when another claimant took it
    /// over first (this process was too slow to renew, and must expect a second builder).
    pub async fn renew(&mut self) -> Result<bool, Error> {
        match create(&self.bucket, &self.name, self.generation + 1, self.ttl).await? {
            Some(next) => {
                let old = key(&self.name, self.generation);
                *self = next;
                self.bucket.delete(&old).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Ends the lease: every generation of its chain is removed.
    pub async fn release(self) -> Result<(), Error> {
        for object in self.bucket.list(&dir(&self.name)).await? {
            self.bucket.delete(&object.key).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_claimant_wins_until_the_lease_expires_or_is_released() {
        let b = Bucket::open("memory://").unwrap();
        let Claim::Won(lease) = claim(&b, "x", Duration::from_secs(60)).await.unwrap() else { panic!("first claim lost") };
        let Claim::Held(holder) = claim(&b, "x", Duration::from_secs(60)).await.unwrap() else { panic!("second claim won") };
        assert_eq!(holder.pid, std::process::id());
        lease.release().await.unwrap();
        assert!(matches!(claim(&b, "x", Duration::from_secs(60)).await.unwrap(), Claim::Won(_)));
    }

    #[tokio::test]
    async fn an_expired_lease_is_taken_over_by_one_claimant_and_its_holder_cannot_renew() {
        let b = Bucket::open("memory://").unwrap();
        let Claim::Won(mut dead) = claim(&b, "x", Duration::ZERO).await.unwrap() else { panic!() };
        let claims = futures_util::future::join_all((0..8).map(|_| claim(&b, "x", Duration::from_secs(60)))).await;
        let won = claims.iter().filter(|c| matches!(c, Ok(Claim::Won(_)))).count();
        assert_eq!(won, 1, "{claims:?}");
        assert!(!dead.renew().await.unwrap(), "the holder that lost its lease renewed it");
    }

    #[tokio::test]
    async fn a_renewed_lease_stays_held() {
        let b = Bucket::open("memory://").unwrap();
        let Claim::Won(mut lease) = claim(&b, "x", Duration::from_secs(60)).await.unwrap() else { panic!() };
        assert!(lease.renew().await.unwrap());
        assert!(lease.renew().await.unwrap());
        assert!(matches!(claim(&b, "x", Duration::from_secs(60)).await.unwrap(), Claim::Held(_)));
        assert_eq!(b.list("lease/x").await.unwrap().len(), 1, "renewal leaves one generation");
    }
}
