//! Realistic sample claims for every credential kind, used by `yima demo`, the test-vector generator,
//! examples and benchmarks. All identifiers are valid (check characters computed) but fictitious or
//! taken from published examples.

use std::collections::BTreeMap;

use crate::claims::*;
use crate::date::Date;

/// Issuer name used by the samples.
pub const ISSUER: &str = "SH";

fn date(y: u32, m: u32, d: u32) -> Date {
    // Callers pass literal dates; the unit test below builds and validates every sample.
    Date::from_ymd(y, m, d).unwrap_or(Date::EPOCH)
}

/// The credential part of the sample of `kind`.
pub fn credential(kind: Kind) -> Credential {
    match kind {
        Kind::HealthCode => Credential::HealthCode(HealthCode {
            status: HealthStatus::Green,
            holder_name: "金*".into(),
            holder_id: vec![0x3f, 0x9c, 0x51, 0x0e, 0xa2, 0x47, 0xd8, 0x6b],
            region: 310104,
            reason: None,
        }),
        Kind::SocialSecurityCard => Credential::SocialSecurityCard(SocialSecurityCard {
            card_number: "S31010423".into(),
            holder_name: "金晓明".into(),
            citizen_id: "11010519491231002X".into(),
            region: 310104,
            issued: date(2021, 3, 15),
            expires: date(2031, 3, 15),
        }),
        Kind::BusinessLicence => Credential::BusinessLicence(BusinessLicence {
            uscc: "91310110666007217T".into(),
            name: "上海一码示例科技有限公司".into(),
            legal_representative: "李华".into(),
            entity_type: "有限责任公司(自然人投资或控股)".into(),
            address: "上海市杨浦区国定路335号".into(),
            established: date(2007, 8, 20),
            authority: "上海市杨浦区市场监督管理局".into(),
        }),
        Kind::FoodBusinessLicence => Credential::FoodBusinessLicence(FoodBusinessLicence {
            licence_number: "JY13101150012345".into(),
            operator: "上海一码示例餐饮管理有限公司".into(),
            operator_uscc: "91310115591693856A".into(),
            address: "上海市浦东新区张江路100号".into(),
            categories: vec!["热食类食品制售".into(), "冷食类食品制售".into()],
            valid_from: date(2023, 6, 1),
            valid_until: date(2028, 5, 31),
        }),
        Kind::ElectronicLicence => {
            let mut extra = BTreeMap::new();
            extra.insert("经营范围".to_owned(), "技术开发、技术咨询".to_owned());
            Credential::ElectronicLicence(ElectronicLicence {
                identifier: licence_identifier(),
                holder_name: "上海一码示例科技有限公司".into(),
                holder_code: "91310110666007217T".into(),
                authority_code: "113100000024202824".into(),
                valid_from: date(2024, 1, 1),
                valid_until: Some(date(2029, 12, 31)),
                extra,
            })
        }
    }
}

/// The sample GB/T 36904 identifier (check character computed).
pub fn licence_identifier() -> String {
    crate::ident::Uscc::parse("113100000024202824")
        .and_then(|issuer| {
            crate::ident::LicenceId::new(
                "11100000000013338W032",
                &issuer,
                "0000000000000123",
                "001",
            )
        })
        .map(|id| id.as_str().to_owned())
        .unwrap_or_default()
}

/// Default validity of the sample of `kind`, in seconds: 24 hours for health codes, a year otherwise.
pub fn validity(kind: Kind) -> u64 {
    match kind {
        Kind::HealthCode => 86_400,
        _ => 365 * 86_400,
    }
}

/// Full sample claims of `kind` issued at `now`, with an 8-byte credential id.
pub fn claims(kind: Kind, now: u64, cti: [u8; 8]) -> Claims {
    Claims {
        issuer: ISSUER.into(),
        issued_at: now,
        expires_at: now + validity(kind),
        not_before: None,
        credential_id: Some(cti.to_vec()),
        confirmation: None,
        status: None,
        credential: credential(kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_is_valid() {
        for kind in Kind::ALL {
            let c = claims(kind, 1_767_225_600, [1; 8]);
            c.validate().unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(c.credential.kind(), kind);
        }
    }
}
