//! A Cloudonix DNID's route for the number trace: the DNID pattern when it is one, the
//! application it runs, and the trunks of its domain (the ones that application's calls
//! can leave or arrive by).

use crate::providers::route::{Route, RouteInput, field};

pub fn describe(input: &RouteInput) -> Route {
    let n = input.number;
    let mut steps = Vec::new();
    if let Some(pattern) = field(&n.extra, "dnid regex").filter(|p| *p != n.number) {
        steps.push(format!("DNID {pattern}"));
    }
    for (flag, label) in [
        ("prefix", "matched as a prefix"),
        ("expression", "matched as an expression"),
    ] {
        if field(&n.extra, flag) == Some("yes") {
            steps.push(format!("  {label}"));
        }
    }
    let app = n.target.trim();
    let id = field(&n.extra, "application id");
    steps.push(match (app.is_empty(), id) {
        (true, _) => "→ no application (calls to it are not answered)".to_owned(),
        (false, Some(id)) if !app.contains(id) => format!("→ application {app} (id {id})"),
        (false, _) => format!("→ application {app}"),
    });
    if let Some(m) = field(&n.extra, "messaging app id") {
        steps.push(format!("  messages → application id {m}"));
    }
    let trunks = input
        .trunks
        .iter()
        .filter(|t| t.provider == n.provider && t.account == n.account)
        .map(|t| t.id.clone())
        .collect();
    Route { steps, trunks }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Number, ProviderId, Trunk};

    fn trunk(account: &str, id: &str) -> Trunk {
        Trunk {
            provider: ProviderId(0),
            account: account.into(),
            account_name: Default::default(),
            id: id.into(),
            name: id.into(),
            host: "h".into(),
            port: None,
            transport: String::new(),
            direction: String::new(),
            prefix: String::new(),
            active: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn the_route_names_the_application_and_the_domains_trunks() {
        let n = Number {
            provider: ProviderId(0),
            account: "acme.example".into(),
            account_name: Default::default(),
            id: "7".into(),
            number: "+14155550100".into(),
            target: "ivr-main".into(),
            active: Some(true),
            extra: vec![
                ("dnid regex".into(), "^1415555.*".into()),
                ("application id".into(), "42".into()),
                ("prefix".into(), "yes".into()),
            ]
            .into(),
        };
        let (a, b) = (trunk("acme.example", "t1"), trunk("other.example", "t2"));
        let trunks = [&a, &b];
        let r = describe(&RouteInput {
            number: &n,
            owner: None,
            trunks: &trunks,
        });
        assert_eq!(
            r.steps,
            [
                "DNID ^1415555.*",
                "  matched as a prefix",
                "→ application ivr-main (id 42)"
            ]
        );
        assert_eq!(r.trunks, ["t1"]);
    }
}
