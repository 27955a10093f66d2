//! The `switchboard sim` flags that shape the VoIPcloud simulator.

use super::VoipcloudOptions;

#[derive(Debug, Clone, clap::Args)]
pub struct VoipcloudArgs {
    /// Finished VoIPcloud calls seeded today (user, queue and ring-group lists together;
    /// 0: three hours at the default rate). More than 2,000 user calls make the console
    /// page through the list.
    #[arg(long, default_value_t = 0)]
    pub voipcloud_history: usize,
}

impl VoipcloudArgs {
    /// The simulator options.
    pub fn options(&self) -> VoipcloudOptions {
        VoipcloudOptions {
            history_calls: self.voipcloud_history,
            ..VoipcloudOptions::default()
        }
    }
}
