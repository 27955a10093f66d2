//! Provider simulators: faithful local test doubles of the providers' REST APIs, for
//! the demo mode, integration tests and benchmarks.
//!
//! Each simulator renders its provider's *wire* format by itself (providers.md) and
//! shares no types with the console's clients. They never print: the console UI may
//! be on screen.

pub mod callable;
pub mod cloudonix;
pub mod faults;
pub mod iovox;
pub mod provoice;
pub mod rng;
pub mod traffic;
pub mod voipcloud;
pub mod window;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub use callable::{CallableOptions, CallableSim};
pub use cloudonix::{
    CloudonixArgs, CloudonixOptions, CloudonixSim, KeyScope, RecordedRequest, sample_sessions_json,
};
pub use faults::{FaultKind, Faults};
pub use iovox::IovoxSim;
pub use provoice::{ProvoiceArgs, ProvoiceOptions, ProvoiceSim};
pub use voipcloud::{VoipcloudArgs, VoipcloudOptions, VoipcloudSim};

/// How to start the simulators.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// Address to listen on (default 127.0.0.1).
    pub host: IpAddr,
    /// 0 = an ephemeral port per simulator; otherwise Cloudonix listens on `port`,
    /// VoIPcloud on `port + 1`, IOVOX (HTTPS) `+ 2`, Callable `+ 3`, ProVoice `+ 4`.
    pub port: u16,
    /// Same seed → same keys, ids and seeded data.
    pub seed: u64,
    pub faults: Faults,
    pub cloudonix: CloudonixOptions,
    pub voipcloud: VoipcloudOptions,
    pub callable: CallableOptions,
    pub provoice: ProvoiceOptions,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            seed: 1,
            faults: Faults::default(),
            cloudonix: CloudonixOptions::default(),
            voipcloud: VoipcloudOptions::default(),
            callable: CallableOptions::default(),
            provoice: ProvoiceOptions::default(),
        }
    }
}

/// The `switchboard sim` flags: where the simulators listen, the seed, the faults all
/// five inject, and each simulator's own flags (flattened, so they read as one list).
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Address of the first simulator (Cloudonix); later providers take the next ports.
    /// Port 0 picks free ports.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Seed for keys, initial data and the traffic generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Extra latency added to every response of all five simulators, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Fraction of requests answered with 500 in the provider's own error shape, by all
    /// five simulators (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Fraction of 200 responses with a malformed body (cut short, or an HTML proxy page),
    /// by all five simulators (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub malformed_rate: f64,
    /// Fraction of 200 responses whose connection is cut mid-body, by all five simulators
    /// (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    #[command(flatten)]
    pub cloudonix: CloudonixArgs,
    #[command(flatten)]
    pub voipcloud: VoipcloudArgs,
    #[command(flatten)]
    pub provoice: ProvoiceArgs,
}

fn check_fraction(name: &str, v: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(format!("--{name} must be between 0 and 1, got {v}"))
    }
}

impl DemoArgs {
    /// The options [`start`] takes, or what is wrong with a flag.
    pub fn options(&self) -> Result<SimOptions, String> {
        check_fraction("error-rate", self.error_rate)?;
        check_fraction("malformed-rate", self.malformed_rate)?;
        check_fraction("drop-rate", self.drop_rate)?;
        Ok(SimOptions {
            host: self.listen.ip(),
            port: self.listen.port(),
            seed: self.seed,
            faults: Faults {
                latency: std::time::Duration::from_millis(self.latency_ms),
                error_rate: self.error_rate,
                malformed_rate: self.malformed_rate,
                drop_rate: self.drop_rate,
            },
            cloudonix: self.cloudonix.options()?,
            voipcloud: self.voipcloud.options(),
            callable: CallableOptions::default(),
            provoice: self.provoice.options(),
        })
    }
}

/// The running simulators. Dropping it (or calling [`RunningSims::shutdown`]) stops the
/// servers and the traffic tasks.
pub struct RunningSims {
    pub cloudonix: CloudonixSim,
    _cloudonix_handles: cloudonix::Handles,
    pub voipcloud: VoipcloudSim,
    _voipcloud_handles: voipcloud::Handles,
    pub iovox: IovoxSim,
    _iovox_handles: iovox::Handles,
    pub callable: CallableSim,
    _callable_handles: callable::Handles,
    pub provoice: ProvoiceSim,
    _provoice_handles: provoice::Handles,
}

impl std::fmt::Debug for RunningSims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSims")
            .field("cloudonix", &self.cloudonix)
            .field("voipcloud", &self.voipcloud)
            .field("iovox", &self.iovox)
            .field("callable", &self.callable)
            .field("provoice", &self.provoice)
            .finish_non_exhaustive()
    }
}

/// Start all simulators. Must be called inside a Tokio runtime.
pub async fn start(opts: SimOptions) -> std::io::Result<RunningSims> {
    let port = opts.port;
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(opts.host, port)).await?;
    let (cloudonix, handles) = cloudonix::spawn(
        listener,
        rng::Rng::derive(opts.seed, 0x0C10).next_u64(),
        opts.faults,
        &opts.cloudonix,
    )?;
    let listen = |offset: u16| {
        let p = if port == 0 {
            0
        } else {
            port.saturating_add(offset)
        };
        tokio::net::TcpListener::bind(SocketAddr::new(opts.host, p))
    };
    let (voipcloud, vc_handles) = voipcloud::spawn(
        listen(1).await?,
        rng::Rng::derive(opts.seed, 0x0FC1).next_u64(),
        &opts.voipcloud,
        opts.faults,
    )?;
    let (iovox, iovox_handles) = iovox::spawn(
        listen(2).await?,
        rng::Rng::derive(opts.seed, 0x10F0).next_u64(),
        opts.faults,
    )?;
    let (callable, callable_handles) = callable::spawn(
        listen(3).await?,
        rng::Rng::derive(opts.seed, 0xCA11).next_u64(),
        &opts.callable,
        opts.faults,
    )?;
    let (provoice, provoice_handles) = provoice::spawn(
        listen(4).await?,
        rng::Rng::derive(opts.seed, 0x0F04).next_u64(),
        &opts.provoice,
        opts.faults,
    )?;
    Ok(RunningSims {
        cloudonix,
        _cloudonix_handles: handles,
        voipcloud,
        _voipcloud_handles: vc_handles,
        iovox,
        _iovox_handles: iovox_handles,
        callable,
        _callable_handles: callable_handles,
        provoice,
        _provoice_handles: provoice_handles,
    })
}

impl RunningSims {
    /// Files the simulators wrote that must go when the process ends, on every exit path
    /// (dropping the simulators removes them too).
    pub fn temp_files(&self) -> Vec<std::path::PathBuf> {
        vec![self.iovox.ca_file.clone()]
    }

    /// Human-readable: each provider's base URL and demo credentials (in full: they are
    /// demo keys).
    pub fn describe(&self) -> String {
        let c = &self.cloudonix;
        let (sub_domain, sub_id, msisdn) = c.key_subscriber();
        let mut s = String::new();
        s.push_str(&format!("Cloudonix simulator   {}\n", c.base_url));
        s.push_str(&format!(
            "  customer        {} (use \"self\")\n",
            c.customer_name
        ));
        s.push_str(&format!("  domains         {}\n", c.domains.join(", ")));
        s.push_str(&format!("  customer key    {}\n", c.customer_key));
        if let Some(d) = c.domains.first() {
            s.push_str(&format!("  domain key      {}  ({d} only)\n", c.domain_key));
        }
        s.push_str(&format!(
            "  subscriber key  {}  (subscriber {msisdn}, id {sub_id}, {sub_domain})\n",
            c.subscriber_key
        ));
        let v = &self.voipcloud;
        s.push_str(&format!("VoIPcloud simulator   {}\n", v.base_url));
        s.push_str(&format!("  token           {}\n", v.token));
        s.push_str("  api             v1 and v2 (the demo uses v2: rows of finished calls)\n");
        s.push_str("  users           201 alice, 202 bruno, 203 chen, 204 dana\n");
        let i = &self.iovox;
        s.push_str(&format!("IOVOX simulator       {} (HTTPS)\n", i.base_url));
        s.push_str(&format!("  username        {}\n", i.username));
        s.push_str(&format!("  secure key      {}\n", i.secure_key));
        s.push_str(&format!("  CA file         {}\n", i.ca_file.display()));
        let k = &self.callable;
        s.push_str(&format!("Callable simulator    {}\n", k.base_url));
        s.push_str(&format!(
            "  username        {}\n  password        {}\n",
            k.username, k.password
        ));
        for (id, name) in k.accounts() {
            s.push_str(&format!(
                "  {name:<15} {id}  (voice Basic auth client id {})\n",
                callable::client_id(&id)
            ));
        }
        s.push_str(&format!(
            "ProVoice simulator    {}\n  api key         {}\n",
            self.provoice.base_url, self.provoice.api_key
        ));
        s
    }

    /// A console configuration (TOML) with one `[[provider]]` per simulator.
    pub fn config_toml(&self) -> String {
        let c = &self.cloudonix;
        let mut s = format!(
            "[[provider]]\nname = {}\nkind = \"cloudonix\"\nbase_url = {}\napi_key = {}\n",
            toml_str("cloudonix-demo"),
            toml_str(&c.base_url),
            toml_str(&c.customer_key),
        );
        let v = &self.voipcloud;
        s.push_str(&format!(
            "\n[[provider]]\nname = {}\nkind = \"voipcloud\"\nbase_url = {}\ntoken = {}\napi_version = \"v2\"\n",
            toml_str("voipcloud-demo"),
            toml_str(&v.base_url),
            toml_str(&v.token),
        ));
        let i = &self.iovox;
        s.push_str(&format!(
            "\n[[provider]]\nname = {}\nkind = \"iovox\"\nbase_url = {}\nusername = {}\nsecure_key = {}\nca_file = {}\n",
            toml_str("iovox-demo"),
            toml_str(&i.base_url),
            toml_str(&i.username),
            toml_str(&i.secure_key),
            toml_str(&i.ca_file.to_string_lossy()),
        ));
        let k = &self.callable;
        s.push_str(&format!(
            "\n[[provider]]\nname = {}\nkind = \"callable\"\nbase_url = {}\nusername = {}\npassword = {}\n",
            toml_str("callable-demo"),
            toml_str(&k.base_url),
            toml_str(&k.username),
            toml_str(&k.password),
        ));
        let p = &self.provoice;
        s.push_str(&format!(
            "\n[[provider]]\nname = {}\nkind = \"provoice\"\nbase_url = {}\napi_key = {}\n",
            toml_str("provoice-demo"),
            toml_str(&p.base_url),
            toml_str(&p.api_key),
        ));
        s
    }

    /// Stop the servers and traffic tasks (same as dropping).
    pub fn shutdown(self) {
        drop(self);
    }
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        sims: DemoArgs,
    }

    fn parse(args: &[&str]) -> Result<SimOptions, String> {
        let flags = Flags::try_parse_from(std::iter::once("sim").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        flags.sims.options()
    }

    #[test]
    fn flags_reach_each_simulator_with_their_old_names_and_defaults() {
        assert_eq!(parse(&[]), Ok(SimOptions::default()));
        let o = parse(&[
            "--listen",
            "127.0.0.1:7000",
            "--seed",
            "9",
            "--error-rate",
            "0.5",
            "--rate-limit",
            "10/3",
            "--calls-per-minute",
            "0",
            "--provoice-customers",
            "200",
            "--domains",
            "20",
            "--live-calls",
            "10000",
            "--history-calls",
            "100000",
            "--voipcloud-history",
            "8000",
        ])
        .unwrap();
        assert_eq!((o.port, o.seed, o.faults.error_rate), (7000, 9, 0.5));
        assert_eq!(
            o.cloudonix.rate_limit_window,
            std::time::Duration::from_secs(3)
        );
        assert_eq!(o.cloudonix.calls_per_minute, 0.0);
        assert_eq!(o.provoice.extra_customers, 200);
        assert_eq!(
            (
                o.cloudonix.domains,
                o.cloudonix.live_calls,
                o.cloudonix.history_calls
            ),
            (20, 10_000, 100_000)
        );
        assert_eq!(o.voipcloud.history_calls, 8000);
        assert!(
            parse(&["--domains", "0"])
                .unwrap_err()
                .contains("--domains")
        );
        assert!(
            parse(&["--drop-rate", "2"])
                .unwrap_err()
                .contains("--drop-rate")
        );
        assert!(
            parse(&["--rate-limit", "x"])
                .unwrap_err()
                .contains("REQUESTS")
        );
    }
}
