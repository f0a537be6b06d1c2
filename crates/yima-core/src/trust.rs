//! The trust bundle: one signed file that tells an offline venue scanner which issuers to trust, for
//! which credential kinds, with which keys and validity windows, and the issuers' current status lists.
//!
//! A bundle is a tagged COSE_Sign1 with protected header `{alg, kid, typ: "application/yima-trust+cwt"}`,
//! signed by the bundle-signing key that the scanner pins. Payload (deterministic CBOR map):
//!
//! | key | field | type |
//! |---|---|---|
//! | 1 | version | uint, 1 |
//! | 2 | seq | uint, increases with every bundle; scanners refuse a lower one (rollback) |
//! | 3 | iat | uint, seconds since the epoch |
//! | 4 | exp | uint, after iat: a scanner refuses the bundle from then on ("stale") |
//! | 5 | issuers | array of issuer maps (below), at most 256 |
//! | 6 | status lists | array of bstr, each a signed status list token (`status.rs`), optional |
//!
//! Issuer map: `1` name (text, equals the credentials' `iss`), `2` kid (bstr, must equal the key's kid),
//! `3` alg (int, -8), `4` public key (bstr, 32 bytes), `5` kinds (array of kind numbers the issuer may
//! issue), `6` key valid from (uint), `7` key valid until (uint).

use std::collections::BTreeMap;

use crate::cbor::{self, Value};
use crate::claims::Kind;
use crate::cose;
use crate::error::SignerError;
use crate::error::VerifyError;
use crate::keys::{Signer, SigningKey, VerifyingKey};
use crate::status::{MAX_LIST_BYTES, StatusListToken};

/// `typ` of a trust bundle.
pub const TYP: &str = "application/yima-trust+cwt";
/// Largest bundle accepted, in bytes (status lists for tens of millions of credentials fit).
pub const MAX_BUNDLE_BYTES: usize = 64 << 20;
/// Bundle format version.
pub const VERSION: u64 = 1;
/// Most bytes all the status lists of one bundle may inflate to together (64 MiB). Each list is
/// inflated with what remains of this budget as its cap, so a bundle of small zlib bombs (up to 256
/// lists of 32 MiB each, 8 GiB) is refused after at most this much output instead of exhausting the
/// scanner's memory.
///
/// Sizing: a list for the 24 million residents of a large city is 6 MB (2 bits each), so the budget
/// holds ten such lists (several issuers and kinds), or two lists of the largest size one token may
/// carry ([`crate::status::MAX_LIST_BYTES`], 2^27 entries). It equals [`MAX_BUNDLE_BYTES`]: the lists a
/// scanner keeps for one bundle are never larger than the largest bundle (while a list is inflated, its
/// buffer's previous block, at most half a list, exists too; figures in SECURITY.md).
pub const MAX_BUNDLE_STATUS_BYTES: usize = 64 << 20;

/// A trusted issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// Issuer name; a credential's `iss` must equal it.
    pub name: String,
    /// The issuer's public key (its kid and algorithm come with it).
    pub key: VerifyingKey,
    /// Kinds this issuer may issue.
    pub kinds: Vec<Kind>,
    /// Start of the key's validity (credentials issued earlier are refused).
    pub valid_from: u64,
    /// End of the key's validity (credentials issued later, or checked later, are refused).
    pub valid_until: u64,
}

/// The contents of a trust bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleContents {
    /// Sequence number.
    pub seq: u64,
    /// Issue time.
    pub issued_at: u64,
    /// Expiry.
    pub expires_at: u64,
    /// Trusted issuers.
    pub issuers: Vec<Issuer>,
    /// Signed status list tokens, as issued.
    pub status_lists: Vec<Vec<u8>>,
}

/// Why a bundle was refused. Distinct from credential errors: with no usable bundle, a scanner can
/// check nothing.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The bundle is malformed or its signature does not verify with the pinned key.
    #[error("trust bundle invalid: {0}")]
    Invalid(VerifyError),
    /// The bundle expired (or is older than the policy allows): fetch a new one.
    #[error("stale trust bundle: expired or older than allowed")]
    Stale,
    /// The bundle's sequence number is lower than one already accepted (rollback).
    #[error("trust bundle seq {seq} is older than the accepted seq {accepted}")]
    Rollback {
        /// Sequence number of this bundle.
        seq: u64,
        /// Highest accepted so far.
        accepted: u64,
    },
    /// The bundle's issue time is in the future beyond the clock-skew tolerance.
    #[error("trust bundle issued in the future")]
    FromFuture,
    /// A status list in the bundle does not verify with its issuer's key.
    #[error("status list in the bundle is invalid: {0}")]
    StatusList(VerifyError),
    /// The bundle's status lists together inflate to more than [`MAX_BUNDLE_STATUS_BYTES`].
    #[error("the status lists in the bundle inflate to more than {max} bytes together")]
    StatusTooLarge {
        /// The budget in bytes ([`MAX_BUNDLE_STATUS_BYTES`]).
        max: usize,
    },
}

impl BundleError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            BundleError::Invalid(VerifyError::BadSignature)
            | BundleError::Invalid(VerifyError::UnknownKid(_))
            | BundleError::Invalid(VerifyError::AlgMismatch { .. }) => "bundle.signature",
            BundleError::Invalid(_) => "bundle.invalid",
            BundleError::Stale => "bundle.stale",
            BundleError::Rollback { .. } => "bundle.rollback",
            BundleError::FromFuture => "bundle.from-future",
            BundleError::StatusList(_) => "bundle.status-list-invalid",
            BundleError::StatusTooLarge { .. } => "bundle.status-too-large",
        }
    }
}

/// What the scanner checks a bundle against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleCheck {
    /// Current time.
    pub now: u64,
    /// Clock-skew tolerance in seconds.
    pub skew: u64,
    /// Highest sequence number accepted before, if any.
    pub accepted_seq: Option<u64>,
    /// Refuse a bundle issued longer ago than this (policy's maximum staleness), if set.
    pub max_age: Option<u64>,
}

/// A bundle whose signature, freshness and sequence number were checked, with its status lists verified
/// and indexed. Only [`TrustBundle::verify`] creates one.
#[derive(Debug, Clone)]
pub struct TrustBundle {
    contents: BundleContents,
    lists: BTreeMap<(String, u64), StatusListToken>,
}

impl BundleContents {
    /// Encodes and signs the bundle with the bundle-signing key.
    pub fn sign(&self, key: &SigningKey) -> Vec<u8> {
        cose::sign(key, &self.payload(), Some(TYP))
    }

    /// Like [`sign`](Self::sign), through any [`Signer`] (a key in an HSM, say); a signature from an
    /// external signer is verified before it is used.
    pub fn sign_with(&self, signer: &dyn Signer) -> Result<Vec<u8>, SignerError> {
        cose::sign_with(signer, &self.payload(), Some(TYP))
    }

    /// The deterministic CBOR payload that is signed.
    fn payload(&self) -> Vec<u8> {
        let kid_bytes: Vec<[u8; 4]> = self.issuers.iter().map(|i| i.key.kid()).collect();
        let pk_bytes: Vec<[u8; 32]> = self.issuers.iter().map(|i| i.key.to_bytes()).collect();
        let issuers = self
            .issuers
            .iter()
            .zip(kid_bytes.iter().zip(pk_bytes.iter()))
            .map(|(i, (kid, pk))| {
                Value::Map(vec![
                    (Value::Uint(1), Value::Text(&i.name)),
                    (Value::Uint(2), Value::Bytes(kid)),
                    (Value::Uint(3), Value::int(i.key.algorithm().cose_id())),
                    (Value::Uint(4), Value::Bytes(pk)),
                    (
                        Value::Uint(5),
                        Value::Array(i.kinds.iter().map(|k| Value::Uint(k.number())).collect()),
                    ),
                    (Value::Uint(6), Value::Uint(i.valid_from)),
                    (Value::Uint(7), Value::Uint(i.valid_until)),
                ])
            })
            .collect();
        let mut pairs = vec![
            (Value::Uint(1), Value::Uint(VERSION)),
            (Value::Uint(2), Value::Uint(self.seq)),
            (Value::Uint(3), Value::Uint(self.issued_at)),
            (Value::Uint(4), Value::Uint(self.expires_at)),
            (Value::Uint(5), Value::Array(issuers)),
        ];
        if !self.status_lists.is_empty() {
            pairs.push((
                Value::Uint(6),
                Value::Array(self.status_lists.iter().map(|b| Value::Bytes(b)).collect()),
            ));
        }
        Value::Map(pairs).encode()
    }

    /// Parses and checks the signature with the pinned key, without freshness or rollback checks (for
    /// `yima trust show`).
    pub fn verify_signature(bytes: &[u8], pinned: &VerifyingKey) -> Result<Self, BundleError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::Invalid(VerifyError::CoseTooLarge {
                len: bytes.len(),
                max: MAX_BUNDLE_BYTES,
            }));
        }
        let parsed = cose::parse_typed(bytes, Some(TYP)).map_err(BundleError::Invalid)?;
        cose::verify_signature(bytes, &parsed, std::slice::from_ref(pinned))
            .map_err(BundleError::Invalid)?;
        let payload = bytes.get(parsed.payload.clone()).unwrap_or_default();
        Self::from_payload(payload).map_err(BundleError::Invalid)
    }

    fn from_payload(payload: &[u8]) -> Result<Self, VerifyError> {
        let Value::Map(pairs) = cbor::decode(payload).map_err(VerifyError::PayloadCbor)? else {
            return Err(VerifyError::ClaimType("bundle"));
        };
        let f = slots::<7>(&pairs)?;
        let get = |i: usize, name: &'static str| required(&f, i, name);
        if uint(get(1, "version")?, "version")? != VERSION {
            return Err(VerifyError::ClaimInvalid {
                field: "version",
                reason: "unsupported bundle version",
            });
        }
        let seq = uint(get(2, "seq")?, "seq")?;
        let issued_at = uint(get(3, "iat")?, "iat")?;
        let expires_at = uint(get(4, "exp")?, "exp")?;
        if expires_at <= issued_at {
            return Err(VerifyError::ClaimInvalid {
                field: "exp",
                reason: "must be after iat",
            });
        }
        let Value::Array(items) = get(5, "issuers")? else {
            return Err(VerifyError::ClaimType("issuers"));
        };
        let issuers = items
            .iter()
            .map(issuer_from)
            .collect::<Result<Vec<_>, _>>()?;
        for (i, a) in issuers.iter().enumerate() {
            if issuers.iter().skip(i + 1).any(|b| b.key == a.key) {
                return Err(VerifyError::ClaimInvalid {
                    field: "issuers",
                    reason: "the same key is listed twice",
                });
            }
        }
        let status_lists = match f.get(6).copied().flatten() {
            None => Vec::new(),
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|v| match v {
                    Value::Bytes(b) => Ok(b.to_vec()),
                    _ => Err(VerifyError::ClaimType("status list")),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(VerifyError::ClaimType("status lists")),
        };
        Ok(BundleContents {
            seq,
            issued_at,
            expires_at,
            issuers,
            status_lists,
        })
    }
}

fn uint(v: &Value<'_>, name: &'static str) -> Result<u64, VerifyError> {
    match v {
        Value::Uint(n) => Ok(*n),
        _ => Err(VerifyError::ClaimType(name)),
    }
}

/// The values of a map keyed by the unsigned integers `1..N`, by key; any other key is refused.
fn slots<'v, 'a, const N: usize>(
    pairs: &'v [(Value<'a>, Value<'a>)],
) -> Result<[Option<&'v Value<'a>>; N], VerifyError> {
    let mut f = [None; N];
    for (k, v) in pairs {
        let slot = match k {
            Value::Uint(n) if *n >= 1 => usize::try_from(*n).ok().and_then(|i| f.get_mut(i)),
            _ => None,
        };
        match slot {
            Some(s) => *s = Some(v),
            None => {
                return Err(k
                    .as_i64()
                    .map_or(VerifyError::ClaimUnknownOther, VerifyError::ClaimUnknown));
            }
        }
    }
    Ok(f)
}

/// The value under key `i`, or a "missing" error naming the field.
fn required<'v, 'a>(
    f: &[Option<&'v Value<'a>>],
    i: usize,
    name: &'static str,
) -> Result<&'v Value<'a>, VerifyError> {
    f.get(i)
        .copied()
        .flatten()
        .ok_or(VerifyError::ClaimMissing(name))
}

fn issuer_from(v: &Value<'_>) -> Result<Issuer, VerifyError> {
    let Value::Map(pairs) = v else {
        return Err(VerifyError::ClaimType("issuer"));
    };
    let f = slots::<8>(pairs)?;
    let get = |i: usize, name: &'static str| required(&f, i, name);
    let Value::Text(name) = get(1, "issuer name")? else {
        return Err(VerifyError::ClaimType("issuer name"));
    };
    let Value::Bytes(kid) = get(2, "issuer kid")? else {
        return Err(VerifyError::ClaimType("issuer kid"));
    };
    let alg = get(3, "issuer alg")?
        .as_i64()
        .ok_or(VerifyError::ClaimType("issuer alg"))?;
    let Value::Bytes(pk) = get(4, "issuer key")? else {
        return Err(VerifyError::ClaimType("issuer key"));
    };
    let pk: [u8; 32] = (*pk).try_into().map_err(|_| VerifyError::ClaimInvalid {
        field: "issuer key",
        reason: "an Ed25519 key is 32 bytes",
    })?;
    let key = VerifyingKey::from_bytes(&pk).map_err(|_| VerifyError::ClaimInvalid {
        field: "issuer key",
        reason: "not a valid Ed25519 public key",
    })?;
    if key.kid().as_slice() != *kid {
        return Err(VerifyError::ClaimInvalid {
            field: "issuer kid",
            reason: "does not match the key",
        });
    }
    if key.algorithm().cose_id() != alg {
        return Err(VerifyError::ClaimInvalid {
            field: "issuer alg",
            reason: "does not match the key type",
        });
    }
    let Value::Array(kinds) = get(5, "issuer kinds")? else {
        return Err(VerifyError::ClaimType("issuer kinds"));
    };
    let kinds = kinds
        .iter()
        .map(|k| {
            let n = uint(k, "issuer kinds")?;
            Kind::ALL
                .into_iter()
                .find(|x| x.number() == n)
                .ok_or(VerifyError::UnknownKind(n))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let valid_from = uint(get(6, "issuer valid from")?, "issuer valid from")?;
    let valid_until = uint(get(7, "issuer valid until")?, "issuer valid until")?;
    // The text rule of `iss` (§6.3): a name no credential could carry is refused, not silently unused.
    crate::claims::text_rule("issuer name", name, crate::claims::MAX_ISSUER_BYTES)?;
    if kinds.is_empty() {
        return Err(VerifyError::ClaimInvalid {
            field: "issuer kinds",
            reason: "must name at least one kind",
        });
    }
    if valid_until <= valid_from {
        return Err(VerifyError::ClaimInvalid {
            field: "issuer valid until",
            reason: "must be after valid from",
        });
    }
    Ok(Issuer {
        name: (*name).to_owned(),
        key,
        kinds,
        valid_from,
        valid_until,
    })
}

impl BundleContents {
    /// Issue time not in the future (beyond skew), not expired and not older than `max_age`.
    fn check_time(&self, check: &BundleCheck) -> Result<(), BundleError> {
        if self.issued_at > check.now.saturating_add(check.skew) {
            return Err(BundleError::FromFuture);
        }
        let too_old = check.max_age.is_some_and(|age| {
            check.now
                > self
                    .issued_at
                    .saturating_add(age)
                    .saturating_add(check.skew)
        });
        if check.now >= self.expires_at.saturating_add(check.skew) || too_old {
            return Err(BundleError::Stale);
        }
        Ok(())
    }
}

impl TrustBundle {
    /// Parses a bundle and checks, in order: signature by the pinned key, issue time not in the future
    /// (beyond skew), not expired and not older than `max_age`, sequence number not below the accepted
    /// one, and every status list: signed by the issuer entry it names, not issued in the future (beyond
    /// skew), issued while that entry's key was valid (with skew), the only token for its list, and all
    /// the lists together inflating to at most [`MAX_BUNDLE_STATUS_BYTES`].
    pub fn verify(
        bytes: &[u8],
        pinned: &VerifyingKey,
        check: &BundleCheck,
    ) -> Result<Self, BundleError> {
        Self::verify_with_budget(bytes, pinned, check, MAX_BUNDLE_STATUS_BYTES)
    }

    /// [`verify`](Self::verify) with `status_budget` bytes for the inflated status lists together.
    fn verify_with_budget(
        bytes: &[u8],
        pinned: &VerifyingKey,
        check: &BundleCheck,
        status_budget: usize,
    ) -> Result<Self, BundleError> {
        let contents = BundleContents::verify_signature(bytes, pinned)?;
        contents.check_time(check)?;
        if let Some(accepted) = check.accepted_seq
            && contents.seq < accepted
        {
            return Err(BundleError::Rollback {
                seq: contents.seq,
                accepted,
            });
        }
        let keys: Vec<VerifyingKey> = contents.issuers.iter().map(|i| i.key.clone()).collect();
        let mut lists = BTreeMap::new();
        let too_large = BundleError::StatusTooLarge { max: status_budget };
        let invalid = |reason| {
            BundleError::StatusList(VerifyError::ClaimInvalid {
                field: "sub",
                reason,
            })
        };
        let mut remaining = status_budget;
        for token in &contents.status_lists {
            // Every list inflates to at least one byte: with the budget spent, refuse before any work.
            if remaining == 0 {
                return Err(too_large);
            }
            // Signature and claims first; the list is inflated only once the token has passed every
            // check against the bundle.
            let (sealed, key) =
                StatusListToken::open(token, &keys).map_err(BundleError::StatusList)?;
            // The list must be published by the issuer it names ...
            let owner = contents
                .issuers
                .iter()
                .find(|i| &i.key == key && i.name == sealed.issuer)
                .ok_or_else(|| invalid("status list signed by a different issuer than it names"))?;
            // ... not in the future of the scanner's clock ...
            if sealed.issued_at > check.now.saturating_add(check.skew) {
                return Err(BundleError::StatusList(VerifyError::ClaimInvalid {
                    field: "iat",
                    reason: "status list issued in the future",
                }));
            }
            // ... while its key was valid (the rule for a credential's iat, §16.2 step 2.3) ...
            if sealed.issued_at.saturating_add(check.skew) < owner.valid_from
                || sealed.issued_at > owner.valid_until.saturating_add(check.skew)
            {
                return Err(BundleError::StatusList(VerifyError::ClaimInvalid {
                    field: "iat",
                    reason: "status list signed outside its key's validity window",
                }));
            }
            // ... and be the only token for its list.
            let id = (sealed.issuer.to_owned(), sealed.list_id);
            if lists.contains_key(&id) {
                return Err(invalid("two status lists with the same issuer and list id"));
            }
            // What remains of the budget caps this list's output (and its buffer); where the budget is
            // the tighter cap, running into it is the bundle's fault, not the list's.
            let cap = remaining.min(MAX_LIST_BYTES);
            let t = sealed.inflate(cap).map_err(|e| match e {
                VerifyError::DecompressTooLarge { .. } if cap < MAX_LIST_BYTES => too_large.clone(),
                e => BundleError::StatusList(e),
            })?;
            remaining = remaining.saturating_sub(t.list.as_bytes().len());
            lists.insert(id, t);
        }
        Ok(TrustBundle { contents, lists })
    }

    /// Whether the bundle may still be relied on at `check.now`: not issued in the future and not
    /// stale (expired, or older than `check.max_age`), with `check.skew` of tolerance; `accepted_seq` is
    /// not looked at. A scanner that runs for hours calls this before each code: a bundle accepted at
    /// start-up goes stale like any other.
    pub fn check_fresh(&self, check: &BundleCheck) -> Result<(), BundleError> {
        self.contents.check_time(check)
    }

    /// The bundle's contents.
    pub fn contents(&self) -> &BundleContents {
        &self.contents
    }

    /// Sequence number (to remember as the highest accepted).
    pub fn seq(&self) -> u64 {
        self.contents.seq
    }

    /// All issuer keys, for [`crate::Unverified::verify`].
    pub fn keys(&self) -> Vec<VerifyingKey> {
        self.contents
            .issuers
            .iter()
            .map(|i| i.key.clone())
            .collect()
    }

    /// The issuer entry holding `key`.
    pub fn issuer_for(&self, key: &VerifyingKey) -> Option<&Issuer> {
        self.contents.issuers.iter().find(|i| &i.key == key)
    }

    /// The status list `list_id` of issuer `issuer`, if the bundle carries it.
    pub fn status_list(&self, issuer: &str, list_id: u64) -> Option<&StatusListToken> {
        self.lists.get(&(issuer.to_owned(), list_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{StatusList, StatusListToken};

    const T: u64 = 1_767_225_600;

    #[test]
    fn unknown_map_keys_are_named_when_they_are_integers() {
        let one = |k: Value<'static>| slots::<3>(&[(k, Value::Uint(1))]).map(|_| ());
        assert_eq!(one(Value::Uint(2)), Ok(()));
        assert_eq!(one(Value::Uint(9)), Err(VerifyError::ClaimUnknown(9)));
        assert_eq!(one(Value::Uint(0)), Err(VerifyError::ClaimUnknown(0)));
        assert_eq!(one(Value::Nint(4)), Err(VerifyError::ClaimUnknown(-5)));
        // Keys without an i64 value: a text key, and an unsigned integer above i64::MAX.
        for k in [Value::Text("x"), Value::Uint(u64::MAX)] {
            let e = one(k).unwrap_err();
            assert_eq!(e, VerifyError::ClaimUnknownOther);
            assert_eq!(e.code(), "claims.unknown-key");
            assert_eq!(e.to_string(), "unknown claim key (not a 64-bit integer)");
        }
    }

    fn issuer(key: &SigningKey, name: &str) -> Issuer {
        Issuer {
            name: name.into(),
            key: key.verifying_key(),
            kinds: vec![Kind::HealthCode],
            valid_from: T - 86_400,
            valid_until: T + 86_400,
        }
    }

    fn token(key: &SigningKey, list_id: u64, issued_at: u64) -> Vec<u8> {
        token_of_len(key, list_id, issued_at, 8)
    }

    /// A token whose list has `entries` entries (`entries / 4` bytes inflated).
    fn token_of_len(key: &SigningKey, list_id: u64, issued_at: u64, entries: u64) -> Vec<u8> {
        StatusListToken {
            issuer: "SH".into(),
            list_id,
            issued_at,
            expires_at: None,
            ttl: None,
            list: StatusList::new(entries).unwrap(),
        }
        .sign(key)
    }

    fn verify(c: &BundleContents, signer: &SigningKey) -> Result<TrustBundle, BundleError> {
        let check = BundleCheck {
            now: T,
            skew: 0,
            accepted_seq: None,
            max_age: None,
        };
        TrustBundle::verify(&c.sign(signer), &signer.verifying_key(), &check)
    }

    #[test]
    fn a_loaded_bundle_goes_stale_like_any_other() {
        let (authority, sh) = (
            SigningKey::from_seed(&[1; 32]),
            SigningKey::from_seed(&[2; 32]),
        );
        let c = BundleContents {
            seq: 1,
            issued_at: T - 10,
            expires_at: T + 10,
            issuers: vec![issuer(&sh, "SH")],
            status_lists: Vec::new(),
        };
        let bundle = verify(&c, &authority).unwrap();
        let at = |now: u64, skew: u64, max_age: Option<u64>| {
            bundle
                .check_fresh(&BundleCheck {
                    now,
                    skew,
                    accepted_seq: Some(u64::MAX),
                    max_age,
                })
                .map_err(|e| e.code())
        };
        assert_eq!(at(T, 0, None), Ok(()));
        assert_eq!(at(T + 9, 0, None), Ok(()));
        assert_eq!(at(T + 10, 0, None), Err("bundle.stale"));
        assert_eq!(at(T + 10, 1, None), Ok(()));
        assert_eq!(at(T, 0, Some(5)), Err("bundle.stale"));
        assert_eq!(at(T - 11, 0, None), Err("bundle.from-future"));
        // accepted_seq is not looked at: the scanner checked it when it loaded the bundle.
        assert_eq!(at(T, 0, Some(10)), Ok(()));
    }

    #[test]
    fn ambiguous_or_inconsistent_contents_are_refused() {
        let (authority, sh) = (
            SigningKey::from_seed(&[1; 32]),
            SigningKey::from_seed(&[2; 32]),
        );
        let good = BundleContents {
            seq: 1,
            issued_at: T - 10,
            expires_at: T + 10,
            issuers: vec![issuer(&sh, "SH")],
            status_lists: vec![token(&sh, 1, T - 10)],
        };
        assert!(verify(&good, &authority).is_ok());
        let twice_key = BundleContents {
            issuers: vec![issuer(&sh, "SH"), issuer(&sh, "SH2")],
            ..good.clone()
        };
        assert_eq!(
            verify(&twice_key, &authority).unwrap_err().code(),
            "bundle.invalid"
        );
        let twice_list = BundleContents {
            status_lists: vec![token(&sh, 1, T - 10), token(&sh, 1, T - 5)],
            ..good.clone()
        };
        assert_eq!(
            verify(&twice_list, &authority).unwrap_err().code(),
            "bundle.status-list-invalid"
        );
        let mut no_kinds = good.clone();
        no_kinds.issuers[0].kinds.clear();
        assert_eq!(
            verify(&no_kinds, &authority).unwrap_err().code(),
            "bundle.invalid"
        );
        let mut inverted = good.clone();
        inverted.issuers[0].valid_until = inverted.issuers[0].valid_from;
        assert_eq!(
            verify(&inverted, &authority).unwrap_err().code(),
            "bundle.invalid"
        );
        let mut unnamed = good;
        unnamed.issuers[0].name.clear();
        assert_eq!(
            verify(&unnamed, &authority).unwrap_err().code(),
            "bundle.invalid"
        );
    }

    #[test]
    fn status_lists_share_one_inflate_budget() {
        let (authority, sh) = (
            SigningKey::from_seed(&[1; 32]),
            SigningKey::from_seed(&[2; 32]),
        );
        // Three lists of 40 entries: 10 bytes each once inflated.
        let contents = BundleContents {
            seq: 1,
            issued_at: T - 10,
            expires_at: T + 10,
            issuers: vec![issuer(&sh, "SH")],
            status_lists: (1..=3)
                .map(|id| token_of_len(&sh, id, T - 10, 40))
                .collect(),
        };
        let bytes = contents.sign(&authority);
        let check = BundleCheck {
            now: T,
            skew: 0,
            accepted_seq: None,
            max_age: None,
        };
        let verify = |budget| {
            TrustBundle::verify_with_budget(&bytes, &authority.verifying_key(), &check, budget)
        };
        // Exactly enough: accepted, every list complete.
        let ok = verify(30).unwrap();
        assert_eq!(ok.status_list("SH", 3).unwrap().list.len(), 40);
        // The third list runs into what remains of the budget (5 bytes) while it is inflated.
        let e = verify(25).unwrap_err();
        assert_eq!(e.code(), "bundle.status-too-large");
        assert_eq!(e, BundleError::StatusTooLarge { max: 25 });
        // The budget is spent by the first two: the third is refused before it is looked at.
        assert_eq!(verify(20).unwrap_err().code(), "bundle.status-too-large");
        assert_eq!(verify(9).unwrap_err().code(), "bundle.status-too-large");
        assert_eq!(verify(0).unwrap_err().code(), "bundle.status-too-large");
        // A list that is invalid by itself keeps its own code while budget remains.
        let forged = BundleContents {
            status_lists: vec![token_of_len(
                &SigningKey::from_seed(&[3; 32]),
                1,
                T - 10,
                40,
            )],
            ..contents.clone()
        };
        let e = TrustBundle::verify_with_budget(
            &forged.sign(&authority),
            &authority.verifying_key(),
            &check,
            25,
        )
        .unwrap_err();
        assert_eq!(e.code(), "bundle.status-list-invalid");
        // The real budget takes the realistic case: lists for 24 million credentials (6 MB) fit ten
        // times over.
        const { assert!(MAX_BUNDLE_STATUS_BYTES >= 10 * 6_000_000) };
        const { assert!(MAX_BUNDLE_STATUS_BYTES >= 2 * MAX_LIST_BYTES) };
        assert_eq!(verify(MAX_BUNDLE_STATUS_BYTES).unwrap().lists.len(), 3);
    }

    #[test]
    fn status_lists_are_checked_against_the_clock_and_their_issuer() {
        let (authority, sh, other) = (
            SigningKey::from_seed(&[1; 32]),
            SigningKey::from_seed(&[2; 32]),
            SigningKey::from_seed(&[3; 32]),
        );
        let with = |tokens: Vec<Vec<u8>>, skew: u64| {
            let contents = BundleContents {
                seq: 1,
                issued_at: T - 10,
                expires_at: T + 10,
                issuers: vec![issuer(&sh, "SH"), issuer(&other, "BJ")],
                status_lists: tokens,
            };
            let check = BundleCheck {
                now: T,
                skew,
                accepted_seq: None,
                max_age: None,
            };
            TrustBundle::verify(
                &contents.sign(&authority),
                &authority.verifying_key(),
                &check,
            )
            .map(|b| b.lists.len())
            .map_err(|e| (e.code(), e.to_string()))
        };
        assert_eq!(with(vec![token(&sh, 1, T)], 0), Ok(1));
        // A list from the future is refused when the bundle is accepted, with the clock skew as margin.
        let future = token(&sh, 1, T + 100);
        let e = with(vec![future.clone()], 99).unwrap_err();
        assert_eq!(e.0, "bundle.status-list-invalid");
        assert!(e.1.contains("future"), "{}", e.1);
        assert_eq!(with(vec![future], 100), Ok(1));
        // The key that signed a list must have been valid at the list's iat (with skew), as for a
        // credential's iat: SH's key is valid from T - 1 day to T + 1 day.
        let early = token(&sh, 1, T - 86_400 - 1);
        let e = with(vec![early.clone()], 0).unwrap_err();
        assert_eq!(e.0, "bundle.status-list-invalid");
        assert!(e.1.contains("validity"), "{}", e.1);
        assert_eq!(with(vec![early], 1), Ok(1));
        assert_eq!(with(vec![token(&sh, 1, T - 86_400)], 0), Ok(1));
        // A list signed by BJ's key but naming SH is refused.
        assert_eq!(
            with(vec![token(&other, 1, T)], 0).unwrap_err().0,
            "bundle.status-list-invalid"
        );
        // Two tokens for the same list: refused, whichever comes first.
        let e = with(vec![token(&sh, 1, T - 5), token(&sh, 1, T)], 0).unwrap_err();
        assert_eq!(e.0, "bundle.status-list-invalid");
        assert!(e.1.contains("same issuer and list id"), "{}", e.1);
        assert_eq!(with(vec![token(&sh, 1, T - 5), token(&sh, 2, T)], 0), Ok(2));
    }

    #[test]
    fn issuer_names_follow_the_text_rule_of_iss() {
        let (authority, sh) = (
            SigningKey::from_seed(&[1; 32]),
            SigningKey::from_seed(&[2; 32]),
        );
        let named = |name: &str| {
            let c = BundleContents {
                seq: 1,
                issued_at: T - 10,
                expires_at: T + 10,
                issuers: vec![issuer(&sh, name)],
                status_lists: Vec::new(),
            };
            verify(&c, &authority).map(|_| ()).map_err(|e| e.code())
        };
        assert_eq!(named("SH"), Ok(()));
        assert_eq!(named(&"S".repeat(32)), Ok(()));
        for bad in ["", &"S".repeat(33), "S\u{7}H", "S\u{202e}H", "S\u{2066}H"] {
            assert_eq!(named(bad), Err("bundle.invalid"), "{bad:?}");
        }
    }

    #[test]
    fn status_list_freshness_and_canonical_uri() {
        let sh = SigningKey::from_seed(&[2; 32]);
        let (future, _) =
            StatusListToken::verify(&token(&sh, 1, T + 100), &[sh.verifying_key()]).unwrap();
        assert!(
            !future.is_fresh(T, 10),
            "a list from the future is not fresh"
        );
        assert!(future.is_fresh(T, 100));
    }
}
