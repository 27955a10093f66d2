//! Where a number routes, as neutral text for the number trace (`:trace`, `switchboard
//! trace`). Each provider describes its own numbers' routes from the rows it already
//! mapped (its descriptor's `route`, in `providers/<name>/route.rs`); shared code only
//! shows the steps and looks the trunks up.

use crate::model::{Account, Number, Trunk};

/// What the console knows around one number of a provider.
#[derive(Debug, Clone, Copy)]
pub struct RouteInput<'a> {
    pub number: &'a Number,
    /// The account that owns it, with the facts its per-account job added (None: the
    /// account tree has not listed it yet).
    pub owner: Option<&'a Account>,
    /// Every trunk of the number's provider (all accounts).
    pub trunks: &'a [&'a Trunk],
}

/// A number's route: its steps in order (indented by two spaces per level), and the
/// trunks it can use (ids among `RouteInput::trunks`, in the order they apply).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Route {
    pub steps: Vec<String>,
    pub trunks: Vec<String>,
}

/// Describes the route of a number from what the console holds; pure, never fails.
pub type RouteFn = fn(&RouteInput) -> Route;

/// The route of a provider that says no more than the number's target.
pub fn target_only(input: &RouteInput) -> Route {
    let target = input.number.target.trim();
    Route {
        steps: if target.is_empty() {
            Vec::new()
        } else {
            vec![format!("→ {target}")]
        },
        trunks: Vec::new(),
    }
}

/// The value of the detail field `key` of `fields`, when present and not a dash.
pub fn field<'a>(fields: &'a crate::model::Fields, key: &str) -> Option<&'a str> {
    fields
        .get(key)
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProviderId;

    #[test]
    fn a_target_is_the_only_step_and_no_target_no_step() {
        let mut n = Number {
            provider: ProviderId(0),
            account: "a".into(),
            account_name: Default::default(),
            id: "1".into(),
            number: "+15550100".into(),
            target: "support".into(),
            active: None,
            extra: vec![("k".into(), "-".into())].into(),
        };
        let r = target_only(&RouteInput {
            number: &n,
            owner: None,
            trunks: &[],
        });
        assert_eq!(r.steps, ["→ support"]);
        n.target.clear();
        let r = target_only(&RouteInput {
            number: &n,
            owner: None,
            trunks: &[],
        });
        assert!(r.steps.is_empty());
        assert_eq!(field(&n.extra, "k"), None);
    }
}
