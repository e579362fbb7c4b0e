//! The API versions and national cloud deployments of Microsoft Graph, with their spellings.

/// A Microsoft Graph API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum ApiVersion {
    /// `v1.0`, the stable version.
    #[default]
    V1,
    /// `beta`, subject to change.
    Beta,
}

impl ApiVersion {
    /// Every version with its spelling in URLs and spec files.
    pub const ALL: &'static [(&'static str, ApiVersion)] =
        &[("v1.0", ApiVersion::V1), ("beta", ApiVersion::Beta)];

    /// The version as it appears in URLs, `v1.0`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }

    /// The version a spelling names (`v1.0`, `beta`; exact case).
    pub fn parse(spelling: &str) -> Option<ApiVersion> {
        find(ApiVersion::ALL, spelling)
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Microsoft Graph national cloud deployment.
///
/// Roots and names from <https://learn.microsoft.com/en-us/graph/deployments>.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum NationalCloud {
    /// The global service.
    #[default]
    Global,
    /// US Government L4.
    UsGovL4,
    /// US Government L5 (DOD).
    UsGovL5Dod,
    /// China operated by 21Vianet.
    China21Vianet,
}

impl NationalCloud {
    /// Every cloud with its spelling in spec files (`clouds = ["global", "us_gov_l4"]`).
    pub const ALL: &'static [(&'static str, NationalCloud)] = &[
        ("global", NationalCloud::Global),
        ("us_gov_l4", NationalCloud::UsGovL4),
        ("us_gov_l5_dod", NationalCloud::UsGovL5Dod),
        ("china_21vianet", NationalCloud::China21Vianet),
    ];

    /// The cloud a spec file's spelling names (`us_gov_l4`; exact case).
    pub fn parse(spelling: &str) -> Option<NationalCloud> {
        find(NationalCloud::ALL, spelling)
    }

    /// The cloud's spelling in spec files, `us_gov_l4`.
    pub const fn spec_key(self) -> &'static str {
        match self {
            NationalCloud::Global => "global",
            NationalCloud::UsGovL4 => "us_gov_l4",
            NationalCloud::UsGovL5Dod => "us_gov_l5_dod",
            NationalCloud::China21Vianet => "china_21vianet",
        }
    }

    /// The Graph service root of the cloud.
    pub const fn graph_root(self) -> &'static str {
        match self {
            NationalCloud::Global => "https://graph.microsoft.com",
            NationalCloud::UsGovL4 => "https://graph.microsoft.us",
            NationalCloud::UsGovL5Dod => "https://dod-graph.microsoft.us",
            NationalCloud::China21Vianet => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The cloud's name as the documentation's availability tables write it.
    pub const fn name(self) -> &'static str {
        match self {
            NationalCloud::Global => "Global service",
            NationalCloud::UsGovL4 => "US Government L4",
            NationalCloud::UsGovL5Dod => "US Government L5 (DOD)",
            NationalCloud::China21Vianet => "China operated by 21Vianet",
        }
    }
}

/// The value a table of spellings gives `spelling`.
pub(crate) fn find<T: Copy>(table: &[(&str, T)], spelling: &str) -> Option<T> {
    table.iter().find(|(s, _)| *s == spelling).map(|(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_read_back() {
        for &(s, v) in ApiVersion::ALL {
            assert_eq!(ApiVersion::parse(s), Some(v));
            assert_eq!(v.as_str(), s);
        }
        for &(s, c) in NationalCloud::ALL {
            assert_eq!(NationalCloud::parse(s), Some(c));
            assert_eq!(c.spec_key(), s);
        }
        assert_eq!(ApiVersion::parse("V1.0"), None);
        assert_eq!(NationalCloud::parse("Global"), None);
    }
}
