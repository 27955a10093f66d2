//! The `switchboard sim` flags that shape the ProVoice simulator.

use super::ProvoiceOptions;

#[derive(Debug, Clone, clap::Args)]
pub struct ProvoiceArgs {
    /// Generated ProVoice customers added to the seeded tree (load tests, e.g. 200000).
    #[arg(long, default_value_t = 0)]
    pub provoice_customers: usize,
}

impl ProvoiceArgs {
    pub fn options(&self) -> ProvoiceOptions {
        ProvoiceOptions {
            extra_customers: self.provoice_customers,
            ..ProvoiceOptions::default()
        }
    }
}
