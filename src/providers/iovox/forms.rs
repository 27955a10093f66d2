//! IOVOX forms: which form each operator intent opens, and the [`Mutation`] a submitted
//! form becomes. STUB: replaced by issue 5's implementation.

use crate::form::spec::FormSpec;
use crate::providers::Mutation;
use crate::providers::forms::{FormContext, Intent, ProviderTarget};

pub fn open(_intent: Intent, _ctx: &FormContext) -> Result<(FormSpec, ProviderTarget), String> {
    Err("not offered by IOVOX yet".into())
}

pub fn build(_target: &ProviderTarget, _values: &[(String, String)]) -> Result<Mutation, String> {
    Err("not offered by IOVOX yet".into())
}
