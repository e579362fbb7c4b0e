//! Synthetic specs of any size, for benchmarks and scale tests of the generator and the compiler.

use std::fmt::Write as _;

/// A valid spec with `actions` actions: ten per resource, each resource with its own navigation,
/// a model type and an enum, in the shape of real entries (path parameters, a body, a permissions
/// table, clouds and versions).
pub fn synthetic(actions: usize) -> String {
    synthetic_from(0, actions)
}

/// Actions `first..first + actions` of the synthetic spec (with their resources' types), so
/// that files made with consecutive ranges that start at multiples of ten form one spec.
pub fn synthetic_from(first: usize, actions: usize) -> String {
    let mut s = String::with_capacity(actions * 900);
    for r in first / 10..(first + actions).div_ceil(10) {
        let _ = write!(
            s,
            "[types.Widget{r}]\ndoc = \"Synthetic type {r}.\"\n\
             [types.Widget{r}.fields.id]\ntype = \"string\"\n\
             [types.Widget{r}.fields.displayName]\ntype = \"string\"\noptional = true\n\
             [types.Widget{r}.fields.size]\ntype = \"int64\"\noptional = true\n\
             [types.Widget{r}.fields.kind]\ntype = \"WidgetKind{r}\"\noptional = true\n\
             [types.Widget{r}.fields.tags]\ntype = \"[string]\"\noptional = true\n\n\
             [enums.WidgetKind{r}]\ndoc = \"Synthetic enum {r}.\"\nmembers = [{{ wire = \"small\" }}, {{ wire = \"large\" }}]\n\n"
        );
    }
    for i in first..first + actions {
        let r = i / 10;
        let (method, tail, body, response) = match i % 10 {
            0 => (
                "GET",
                String::new(),
                false,
                "{ status = 200, type = \"Widget{r}\" }",
            ),
            1 => ("DELETE", String::new(), false, "{ status = 204 }"),
            2 => ("PATCH", String::new(), true, "{ status = 204 }"),
            k => ("POST", format!("/action{k}"), true, "{ status = 204 }"),
        };
        let call = if tail.is_empty() {
            ["get", "delete", "update"][i % 10].to_owned()
        } else {
            String::new()
        };
        let _ = write!(
            s,
            "[actions.synthetic_action_{i}]\n\
             summary = \"Synthetic action {i}.\"\n\
             docs = \"https://learn.microsoft.com/en-us/graph/overview\"\n\
             method = \"{method}\"\n\
             path = \"/widgets{r}/{{widget-id}}/parts/{{part-id}}{tail}\"\n\
             {call_line}\
             versions = [\"v1.0\", \"beta\"]\n\
             clouds = [\"global\", \"us_gov_l4\", \"us_gov_l5_dod\", \"china_21vianet\"]\n\
             idempotent = {idempotent}\n\
             response = {response}\n\
             params = {{ widget-id = {{ doc = \"The widget.\" }}, part-id = {{ doc = \"The part.\" }} }}\n\
             [actions.synthetic_action_{i}.permissions]\n\
             delegated = {{ least = [\"Widget.ReadWrite\"], higher = [\"Widget.ReadWrite.All\"] }}\n\
             delegated_personal = \"not_supported\"\n\
             application = {{ least = [\"Widget.ReadWrite.All\"] }}\n",
            call_line = if call.is_empty() {
                String::new()
            } else {
                format!("call = \"{call}\"\n")
            },
            idempotent = method != "POST",
            response = response.replace("{r}", &r.to_string()),
        );
        if body {
            let _ = write!(
                s,
                "[actions.synthetic_action_{i}.body.widget]\ntype = \"Widget{r}\"\n\
                 [actions.synthetic_action_{i}.body.note]\ntype = \"string\"\noptional = true\n"
            );
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SourceFile, SourceMap};

    #[test]
    fn synthetic_specs_are_clean_and_sized_as_asked() {
        for n in [1, 10, 25] {
            let mut map = SourceMap::default();
            map.add(SourceFile::new(
                "synthetic.toml",
                "synthetic.toml",
                synthetic(n),
            ));
            let (spec, _, diags) = crate::load(&map);
            assert!(
                diags.is_empty(),
                "{:#?}",
                diags.iter().map(|d| d.render(&map)).collect::<Vec<_>>()
            );
            assert_eq!(spec.actions.len(), n);
        }
    }

    #[test]
    fn consecutive_ranges_form_one_spec() {
        let mut map = SourceMap::default();
        for (i, first) in [0, 20, 40].into_iter().enumerate() {
            let name = format!("part{i}.toml");
            map.add(SourceFile::new(&name, &name, synthetic_from(first, 20)));
        }
        let (spec, _, diags) = crate::load(&map);
        assert!(diags.is_empty());
        assert_eq!(spec.actions.len(), 60);
        assert_eq!(spec.types.len(), 6);
    }
}
