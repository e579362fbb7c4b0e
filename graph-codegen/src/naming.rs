//! Name conversions from Graph's wire names to Rust identifiers.

/// Splits a wire name (`installedApps`, `app-installation-id`, `TeamsAppInstallation`) into
/// lowercase words.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// `installedApps` -> `installed_apps`.
pub fn snake(name: &str) -> String {
    words(name).join("_")
}

/// `upgrade_chat_app_installation` -> `UpgradeChatAppInstallation`.
pub fn pascal(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `upgrade_chat_app_installation` -> `UPGRADE_CHAT_APP_INSTALLATION`.
pub fn shouty(name: &str) -> String {
    snake(name).to_ascii_uppercase()
}

/// The default item accessor of a collection segment: `chats` -> `chat`,
/// `installedApps` -> `installed_app`, `policies` -> `policy`.
pub fn singular(segment: &str) -> String {
    let s = snake(segment);
    if let Some(stem) = s.strip_suffix("ies") {
        format!("{stem}y")
    } else if s.ends_with("ss") {
        s
    } else if let Some(stem) = s.strip_suffix('s') {
        stem.to_owned()
    } else {
        s
    }
}

/// Whether a word is a Rust keyword (strict or reserved) in edition 2024.
pub fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
    )
}

/// A snake_case identifier that is usable as a field or method name: keywords become raw
/// identifiers (`r#type`), and the few that cannot be raw get a trailing underscore.
pub fn ident(name: &str) -> proc_macro2::Ident {
    let s = snake(name);
    let s = if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    };
    match s.as_str() {
        "self" | "super" | "crate" | "Self" | "_" => quote::format_ident!("{}_", s),
        k if is_keyword(k) => proc_macro2::Ident::new_raw(k, proc_macro2::Span::call_site()),
        _ => quote::format_ident!("{}", s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_graph_names() {
        assert_eq!(snake("installedApps"), "installed_apps");
        assert_eq!(snake("app-installation-id"), "app_installation_id");
        assert_eq!(
            snake("resourceSpecificPermissions"),
            "resource_specific_permissions"
        );
        assert_eq!(snake("HTTPResponse"), "http_response");
        assert_eq!(
            pascal("upgrade_chat_app_installation"),
            "UpgradeChatAppInstallation"
        );
        assert_eq!(pascal("unknownFutureValue"), "UnknownFutureValue");
        assert_eq!(shouty("upgradeChat"), "UPGRADE_CHAT");
    }

    #[test]
    fn singularizes_collections() {
        assert_eq!(singular("chats"), "chat");
        assert_eq!(singular("installedApps"), "installed_app");
        assert_eq!(singular("policies"), "policy");
        assert_eq!(singular("access"), "access");
    }

    #[test]
    fn keywords_become_usable_identifiers() {
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
        assert_eq!(ident("displayName").to_string(), "display_name");
    }
}
