//! Account display names by (provider, account id), kept by the fold: rows carry the
//! account's id (what requests and forms use), and every Account column, details panel
//! and snapshot shows the name this index resolves.
//!
//! Names are resolved once per row when the row is folded in (a hash lookup), never per
//! cell: sorting and filtering 10k rows by Account then read a stored string. A row that
//! arrives before its account's tree shows the id until the tree is folded, which
//! resolves every row of that provider again.

use std::collections::HashMap;

use crate::model::{Account, AccountName, ProviderId};

#[derive(Debug, Default)]
pub struct AccountNames {
    by_provider: HashMap<ProviderId, HashMap<String, String>>,
}

impl AccountNames {
    /// Replaces provider `pid`'s names with those of `accounts` (its whole tree).
    pub fn set(&mut self, pid: ProviderId, accounts: &[Account]) {
        let names = accounts
            .iter()
            .filter(|a| !a.name.trim().is_empty())
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect();
        self.by_provider.insert(pid, names);
    }

    /// The display name of `account` of provider `pid`, when known.
    pub fn get(&self, pid: ProviderId, account: &str) -> Option<&str> {
        self.by_provider.get(&pid)?.get(account).map(String::as_str)
    }

    /// Fills in the account names of `rows` (all of provider `pid`). Returns whether
    /// any name changed.
    pub fn resolve<'a, T: AccountName + 'a>(
        &self,
        pid: ProviderId,
        rows: impl IntoIterator<Item = &'a mut T>,
    ) -> bool {
        let names = self.by_provider.get(&pid);
        let mut changed = false;
        for r in rows {
            let name = names
                .and_then(|n| n.get(r.account_id()))
                .map(String::as_str)
                .unwrap_or_default();
            if r.account_name() != name {
                r.set_account_name(name);
                changed = true;
            }
        }
        changed
    }
}
