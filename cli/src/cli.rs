// The command-line definition. Kept free of dependencies other than clap and std so that `build.rs` can
// `include!` it to generate the man page and shell completions at build time.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  yima demo                                   issue, render, scan and verify one code of each kind
  yima keygen --out issuer                    write issuer.key (0600) and issuer.pub
  yima issue health-code --key issuer.key --issuer SH --holder-name '金*' \\
      --holder-id 3f9c510ea247d86b --region 310104 --status green --valid-for 24h --out code.png
  yima verify code.png --key issuer.pub       exit 0 valid, 1 invalid, 2 usage or I/O error
  yima issue health-code --key 'pkcs11:token=issuer;object=sh-2026?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/run/pin' ...
                                              sign with a key in an HSM (RFC 7512 PKCS#11 URI)
  yima inspect code.png --json                decode without verifying (marked UNVERIFIED)

Exit status: 0 valid / success, 1 invalid credential, 2 usage or I/O error.";

/// yima (一码): signed, compact, offline-checkable credentials in QR codes.
#[derive(Debug, Parser)]
#[command(name = "yima", version, about, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate an Ed25519 issuer key pair: NAME.key (PKCS#8 PEM, mode 0600) and NAME.pub (SPKI PEM), or
    /// with --pkcs11 a key pair inside an HSM and only NAME.pub.
    #[command(
        after_help = "Examples:\n  yima keygen --out issuer\n  yima keygen --pkcs11 'pkcs11:token=issuer;object=sh-2026?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/run/pin' --out sh-2026\n      the private key is generated in the token and never leaves it; writes sh-2026.pub"
    )]
    Keygen(KeygenArgs),
    /// Issue a signed credential as text, PNG, SVG or a terminal QR code.
    #[command(
        subcommand,
        after_help = "Examples:\n  yima issue health-code --key issuer.key --issuer SH --holder-name '金*' --holder-id 3f9c510ea247d86b --region 310104 --status green --valid-for 24h\n  yima issue business-licence --key issuer.key --issuer SH --claims licence.json --out licence.png\n  yima issue health-code --key 'pkcs11:token=issuer;object=sh-2026?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/run/pin' --issuer SH ...\n      sign with a key in an HSM (RFC 7512 PKCS#11 URI; module and PIN may also come from YIMA_PKCS11_MODULE and YIMA_PKCS11_PIN)"
    )]
    Issue(IssueKind),
    /// Issue many credentials from a CSV or JSON Lines file, on all cores, into a JSON Lines file (one line
    /// per input row, in input order), optionally with a PNG per code; restartable with --resume.
    #[command(
        after_help = "Examples:\n  yima issue-batch --key issuer.key --issuer SH --input people.csv --out codes.jsonl --png-dir codes/\n  yima issue-batch --key issuer.key --issuer SH --input people.csv --out codes.jsonl --resume\n\nCSV (health codes): header holder_name,holder_id,region,status[,reason][,issuer].\nJSON Lines: a health code's fields {\"holder_name\": ..., \"holder_id\": ..., \"region\": 310104, \"status\": \"green\"}, or any kind as {\"kind\": \"business-licence\", \"fields\": {...}}; either may add \"issuer\".\nOutput lines: {\"row\": N, \"kind\": ..., \"text\": \"YM1:...\", \"cti\": ...[, \"png\": ...]} or, for a row that cannot be issued, {\"row\": N, \"error\": {\"code\": ..., \"message\": ...}} (also reported on stderr).\n\nExit status: 0 every row issued, 1 some rows rejected (the others are issued), 2 usage or I/O error."
    )]
    IssueBatch(IssueBatchArgs),
    /// Decode a credential WITHOUT verifying it: header, claims, sizes and QR versions.
    #[command(
        after_help = "Examples:\n  yima inspect 'YM1:...'\n  yima inspect code.png --json\n  cat code.txt | yima inspect -"
    )]
    Inspect(InspectArgs),
    /// Verify a credential (text, text file, PNG/JPEG photo, or - for stdin) with trusted public keys.
    #[command(
        after_help = "Examples:\n  yima verify code.png --key issuer.pub\n  yima verify 'YM1:...' --key a.pub --key b.pub --now 2026-01-01T08:00:00Z --json\n\nExit status: 0 every code valid, 1 any code invalid (or no code found), 2 usage or I/O error."
    )]
    Verify(VerifyArgs),
    /// Scan photos, directories, texts or stdin at a venue and check every code against a signed trust
    /// bundle and the venue policy, offline.
    #[command(
        after_help = "Examples:\n  yima scan --bundle bundle.cwt --bundle-key authority.pub photos/\n  yima scan --bundle bundle.cwt --bundle-key authority.pub --policy venue.toml --json gate-*.jpg\n  camera-pipeline | yima scan --bundle bundle.cwt --bundle-key authority.pub -            one code text per line\n  frame-grabber | yima scan --bundle bundle.cwt --bundle-key authority.pub --stdin-paths -   one image path per line\n  yima scan --raw photo.jpg          print the text of every QR code, uninterpreted\n\nExit status: 0 every code accepted, 1 any code rejected or unreadable, 2 usage or I/O error or an unusable trust bundle (stale, rolled back, bad signature)."
    )]
    Scan(ScanArgs),
    /// Show a device-bound credential as a fresh dynamic presentation signed by the device key (holder
    /// side): a screenshot goes stale within a minute.
    #[command(
        after_help = "Examples:\n  yima keygen --out device                          on the phone: the device key\n  yima issue health-code ... --holder-key device.pub --out code.txt   issuer binds it\n  yima present --credential code.txt --device-key device.key --qr\n  yima present --credential code.txt --device-key device.key --watch   redraw every 30 s\n  yima present --credential code.txt --device-key device.key --venue GATE-7 --out p.png"
    )]
    Present(PresentArgs),
    /// Build and sign the trust bundle that venue scanners pin (authority side).
    #[command(
        subcommand,
        after_help = "Flow:\n  yima keygen --out authority                       the bundle-signing key; venues pin authority.pub\n  yima trust init --out trust.json --valid-for 7d\n  yima trust add-issuer --draft trust.json --name SH --key sh.pub --kinds health-code,social-security-card\n  yima trust add-status --draft trust.json --list sh-1.status\n  yima trust sign --draft trust.json --key authority.key --out bundle.cwt\n  yima trust show bundle.cwt --bundle-key authority.pub"
    )]
    Trust(TrustCommand),
    /// Manage an issuer's status list: revoke, suspend, mark changed; publish it signed (issuer side).
    #[command(
        subcommand,
        after_help = "Flow:\n  yima status new --out sh-1.json --issuer SH --list-id 1 --size 1000000\n  yima issue health-code ... --status-list sh-1.json      assigns the next free index\n  yima status set --list sh-1.json --index 42 revoked\n  yima status publish --list sh-1.json --key sh.key --out sh-1.status --valid-for 2d --ttl 1d"
    )]
    Status(StatusCommand),
    /// Run the whole flow with built-in demo keys: issue each kind, render, scan back, verify, and show a
    /// tampered and an expired code being rejected.
    #[command(after_help = "Example:\n  yima demo --out-dir /tmp/yima-demo")]
    Demo(DemoArgs),
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  yima completions bash > /etc/bash_completion.d/yima")]
    Completions {
        /// Shell to generate for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  yima man | man -l -")]
    Man,
}

/// Arguments of `yima keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Base name of the files to write: NAME.key and NAME.pub (only NAME.pub with --pkcs11).
    #[arg(long, value_name = "NAME")]
    pub out: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
    /// Generate the key pair inside an HSM instead, at this RFC 7512 pkcs11: URI (object=LABEL names
    /// the new key; refused if the label is taken); the private key never leaves the token.
    #[arg(long, value_name = "URI")]
    pub pkcs11: Option<String>,
}

/// Credential kinds for `yima issue`.
#[derive(Debug, Subcommand)]
pub enum IssueKind {
    /// Health code (green / yellow / red), from flags or a claims file.
    HealthCode(HealthCodeArgs),
    /// Electronic social-security card, from a claims JSON file.
    SocialSecurityCard(ClaimsFileArgs),
    /// Business licence, from a claims JSON file.
    BusinessLicence(ClaimsFileArgs),
    /// Food business licence, from a claims JSON file.
    FoodBusinessLicence(ClaimsFileArgs),
    /// Electronic licence with a GB/T 36904 identifier, from a claims JSON file.
    ElectronicLicence(ClaimsFileArgs),
}

/// Options shared by every `yima issue` kind.
#[derive(Debug, Args)]
pub struct CommonIssueArgs {
    /// Issuer private key: a PKCS#8 PEM file, or an RFC 7512 pkcs11: URI for a key in an HSM (from `yima keygen`).
    #[arg(long, value_name = "FILE|URI")]
    pub key: PathBuf,
    /// Issuer name carried in `iss` (1 to 32 bytes).
    #[arg(long, value_name = "ISS")]
    pub issuer: String,
    /// Validity from the issue time, e.g. 24h, 30d [default: 24h for health codes, 365d otherwise].
    #[arg(long, value_name = "DURATION")]
    pub valid_for: Option<String>,
    /// Start of validity if later than the issue time (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    pub not_before: Option<String>,
    /// Issue time (RFC 3339) instead of the system clock.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Omit the random 8-byte credential id (`cti`).
    #[arg(long)]
    pub no_id: bool,
    /// Write to FILE: .png (1-bit QR image), .svg (QR), .txt (text); `-` for text on stdout.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Output format; by default taken from the --out extension (text when writing to stdout).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Bind the credential to the holder's device key (SPKI PEM, from `yima keygen` on the device): it can
    /// then be shown as a dynamic presentation (`yima present`), which venues may require.
    #[arg(long, value_name = "DEVICE.pub")]
    pub holder_key: Option<PathBuf>,
    /// Status list state file (from `yima status new`): the next free index is assigned to this
    /// credential and recorded in the file.
    #[arg(long, value_name = "LIST.json")]
    pub status_list: Option<PathBuf>,
    /// Also print the QR code to the terminal.
    #[arg(long)]
    pub qr: bool,
    /// QR error-correction level.
    #[arg(long, value_enum, default_value_t = Ec::M, ignore_case = true)]
    pub ec: Ec,
    /// Pixels per QR module in PNG/SVG output.
    #[arg(long, default_value_t = 8, value_name = "PX")]
    pub scale: u32,
}

/// `yima issue health-code`.
#[derive(Debug, Args)]
pub struct HealthCodeArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonIssueArgs,
    /// Health-code fields as JSON instead of the flags below.
    #[arg(long, value_name = "FILE.json", conflicts_with_all = ["holder_name", "holder_id", "region", "status", "reason"])]
    pub claims: Option<PathBuf>,
    /// Masked display name, e.g. 金*.
    #[arg(long, required_unless_present = "claims")]
    pub holder_name: Option<String>,
    /// Pseudonymous holder id as hex (8 to 32 bytes). Never the citizen ID number. May be left out with
    /// --holder-key: the device key is then the pseudonym.
    #[arg(long, value_name = "HEX", required_unless_present_any = ["claims", "holder_key"])]
    pub holder_id: Option<String>,
    /// GB/T 2260 region code (6 digits).
    #[arg(long, required_unless_present = "claims")]
    pub region: Option<String>,
    /// Health status.
    #[arg(long, value_enum, required_unless_present = "claims")]
    pub status: Option<Status>,
    /// Optional reason for the status.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `yima issue <kind> --claims FILE.json`.
#[derive(Debug, Args)]
pub struct ClaimsFileArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonIssueArgs,
    /// The credential's fields as JSON (see docs/format.md for each kind's field names); `-` for stdin.
    #[arg(long, value_name = "FILE.json")]
    pub claims: PathBuf,
}

/// Output formats of `yima issue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The transport text and a newline.
    Text,
    /// 1-bit PNG QR image.
    Png,
    /// SVG QR image.
    Svg,
}

/// Health status values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Status {
    /// Green.
    Green,
    /// Yellow.
    Yellow,
    /// Red.
    Red,
}

/// Verification profiles of `yima verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// yima credentials (YM1: / YM1Z:), checked with --key or --bundle.
    Yima,
    /// EU Digital COVID Certificates (HC1:), checked with --trust.
    EuDcc,
}

/// QR error-correction levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ec {
    /// ~7% recovery.
    L,
    /// ~15% recovery (default).
    M,
    /// ~25% recovery.
    Q,
    /// ~30% recovery.
    H,
}

/// `yima inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The credential: text, a file holding it, a PNG/JPEG image, or - for stdin.
    pub input: String,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `yima verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The credential: text, a file holding it, a PNG/JPEG image, or - for stdin.
    pub input: String,
    /// Trusted issuer public key (SPKI PEM); repeat for several issuers.
    #[arg(
        long,
        required_unless_present_any = ["bundle", "trust", "profile"],
        conflicts_with_all = ["bundle", "trust"],
        value_name = "PUB"
    )]
    pub key: Vec<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub venue: VenueArgs,
    /// What kind of credential to verify: yima (YM1:, with --key or --bundle) or eu-dcc (EU Digital
    /// COVID Certificate, HC1:, with --trust).
    #[arg(long, value_enum, default_value_t = Profile::Yima)]
    pub profile: Profile,
    /// EU DCC signing certificates (DSCs) to trust: a certificate file (DER or PEM), a directory of
    /// them (.der .cer .crt .pem .json), or a JSON trust list (objects with CERTIFICATE or rawData).
    #[arg(
        long,
        value_name = "DIR_OR_FILE",
        conflicts_with = "bundle",
        required_if_eq("profile", "eu-dcc")
    )]
    pub trust: Option<PathBuf>,
    /// Verification time (RFC 3339) instead of the system clock.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Clock-skew tolerance applied to both ends of the validity window, e.g. 5m.
    #[arg(long, default_value = "0s", value_name = "DURATION")]
    pub leeway: String,
    /// Machine-readable output: one JSON object per code.
    #[arg(long)]
    pub json: bool,
}

/// `yima demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the demo PNGs [default: a yima-demo folder in the system temp dir].
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Do not print terminal QR codes.
    #[arg(long)]
    pub no_qr: bool,
}

/// Trust bundle, venue policy and scanner state, shared by `yima scan` and `yima verify --bundle`.
#[derive(Debug, Args)]
pub struct VenueArgs {
    /// Signed trust bundle (from `yima trust sign`).
    #[arg(long, value_name = "BUNDLE", requires = "bundle_key")]
    pub bundle: Option<PathBuf>,
    /// The bundle-signing public key this scanner pins (SPKI PEM).
    #[arg(long, value_name = "PUB")]
    pub bundle_key: Option<PathBuf>,
    /// Venue policy file (.toml or .json); flags below override it.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Accept only these kinds (repeatable) [default: every kind].
    #[arg(long = "accept-kind", value_name = "KIND")]
    pub accept_kind: Vec<String>,
    /// Accept yellow health codes as well as green.
    #[arg(long)]
    pub allow_yellow: bool,
    /// Accept codes whose revocation status cannot be determined.
    #[arg(long)]
    pub accept_unknown_status: bool,
    /// Refuse codes issued longer ago than this, e.g. 36h.
    #[arg(long, value_name = "DURATION")]
    pub max_age: Option<String>,
    /// Clock-skew tolerance [policy default: 5m].
    #[arg(long, value_name = "DURATION")]
    pub clock_skew: Option<String>,
    /// File remembering the highest bundle sequence number accepted (rollback protection)
    /// [default: $XDG_STATE_HOME/yima/trust-state.json or ~/.local/state/yima/trust-state.json].
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Do not read or update the scanner state file (no rollback protection).
    #[arg(long, conflicts_with = "state")]
    pub no_state: bool,
    /// Accept this kind only as a holder-bound dynamic presentation (repeatable).
    #[arg(long = "require-binding", value_name = "KIND")]
    pub require_binding: Vec<String>,
    /// Presentations must be bound to this venue id / nonce (the one the gate displays).
    #[arg(long, value_name = "ID")]
    pub venue_id: Option<String>,
    /// How old a presentation may be [policy default: 60s].
    #[arg(long, value_name = "DURATION")]
    pub freshness: Option<String>,
}

/// `yima present`.
#[derive(Debug, Args)]
pub struct PresentArgs {
    /// The issued, device-bound credential: text, or a file holding it.
    #[arg(long, value_name = "CREDENTIAL")]
    pub credential: String,
    /// The device's private key (PKCS#8 PEM).
    #[arg(long, value_name = "KEY")]
    pub device_key: PathBuf,
    /// Bind the presentation to the venue id / nonce the verifier displays.
    #[arg(long, value_name = "ID")]
    pub venue: Option<String>,
    /// Presentation time (RFC 3339) instead of the system clock.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Write to FILE: .png, .svg or .txt (default: text on stdout).
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print a terminal QR code.
    #[arg(long)]
    pub qr: bool,
    /// Keep redrawing a fresh terminal QR code, like a phone screen (Ctrl-C to stop).
    #[arg(long)]
    pub watch: bool,
    /// Seconds between redraws with --watch.
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub interval: String,
    /// Stop --watch after this many codes (for scripts and tests).
    #[arg(long, value_name = "N", hide = true)]
    pub count: Option<u64>,
    /// QR error-correction level.
    #[arg(long, value_enum, default_value_t = Ec::M, ignore_case = true)]
    pub ec: Ec,
}

/// `yima scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Image files, directories (searched recursively for .png/.jpg/.jpeg), credential texts, or - for
    /// one credential text per line on stdin (image paths only with --stdin-paths).
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Lines on stdin are image file paths (a camera pipeline writing frames), not credential texts.
    /// Off by default: a decoded code's text is never taken as a path.
    #[arg(long)]
    pub stdin_paths: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub venue: VenueArgs,
    /// Print the text of every QR code found, uninterpreted (no bundle needed).
    #[arg(long)]
    pub raw: bool,
    /// Verification time (RFC 3339) instead of the system clock.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// One JSON object per code (and a final summary object).
    #[arg(long)]
    pub json: bool,
}

/// `yima trust` subcommands.
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Start a bundle draft (JSON) that the other `trust` commands edit.
    Init {
        /// Draft file to create.
        #[arg(long, value_name = "DRAFT.json")]
        out: PathBuf,
        /// How long each signed bundle stays valid (scanners refuse it after that).
        #[arg(long, default_value = "7d", value_name = "DURATION")]
        valid_for: String,
        /// First sequence number.
        #[arg(long, default_value_t = 1)]
        seq: u64,
    },
    /// Add (or replace) a trusted issuer in the draft.
    AddIssuer {
        /// Draft file.
        #[arg(long, value_name = "DRAFT.json")]
        draft: PathBuf,
        /// Issuer name: credentials from this key must carry this `iss`.
        #[arg(long)]
        name: String,
        /// The issuer's public key (SPKI PEM).
        #[arg(long, value_name = "PUB")]
        key: PathBuf,
        /// Kinds the issuer may issue, comma-separated (e.g. health-code,social-security-card).
        #[arg(long, value_delimiter = ',', required = true)]
        kinds: Vec<String>,
        /// Start of the key's validity (RFC 3339) [default: now].
        #[arg(long, value_name = "RFC3339")]
        valid_from: Option<String>,
        /// Length of the key's validity from --valid-from.
        #[arg(long, default_value = "365d", value_name = "DURATION")]
        valid_for: String,
    },
    /// Add (or replace) an issuer's signed status list (from `yima status publish`).
    AddStatus {
        /// Draft file.
        #[arg(long, value_name = "DRAFT.json")]
        draft: PathBuf,
        /// Signed status list file.
        #[arg(long, value_name = "FILE")]
        list: PathBuf,
    },
    /// Sign the draft as a bundle with the next sequence number.
    Sign {
        /// Draft file (its sequence number is advanced).
        #[arg(long, value_name = "DRAFT.json")]
        draft: PathBuf,
        /// Bundle-signing private key: a PKCS#8 PEM file, or an RFC 7512 pkcs11: URI for a key in an HSM.
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// Bundle file to write.
        #[arg(long, value_name = "BUNDLE")]
        out: PathBuf,
        /// Issue time (RFC 3339) instead of the system clock.
        #[arg(long, value_name = "RFC3339")]
        now: Option<String>,
    },
    /// Show a bundle's contents after checking its signature.
    Show {
        /// Bundle file.
        bundle: PathBuf,
        /// The pinned bundle-signing public key.
        #[arg(long, value_name = "PUB")]
        bundle_key: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

/// `yima status` subcommands.
#[derive(Debug, Subcommand)]
pub enum StatusCommand {
    /// Create a status list state file (all entries valid).
    New {
        /// State file to create.
        #[arg(long, value_name = "LIST.json")]
        out: PathBuf,
        /// Issuer name (as in `iss`).
        #[arg(long)]
        issuer: String,
        /// List number within the issuer.
        #[arg(long)]
        list_id: u64,
        /// Number of entries (credentials) the list holds.
        #[arg(long)]
        size: u64,
    },
    /// Set the status of one entry.
    Set {
        /// State file.
        #[arg(long, value_name = "LIST.json")]
        list: PathBuf,
        /// Entry index (from the credential's status reference).
        #[arg(long)]
        index: u64,
        /// New status: valid, revoked, suspended or changed.
        status: String,
    },
    /// Sign the list as a status list token (CWT) for the trust bundle.
    Publish {
        /// State file.
        #[arg(long, value_name = "LIST.json")]
        list: PathBuf,
        /// Issuer private key: a PKCS#8 PEM file, or an RFC 7512 pkcs11: URI for a key in an HSM.
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// Token file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Token expiry from now.
        #[arg(long, default_value = "2d", value_name = "DURATION")]
        valid_for: String,
        /// Time after which scanners treat the list as stale (`ttl`).
        #[arg(long, default_value = "1d", value_name = "DURATION")]
        ttl: String,
        /// Issue time (RFC 3339) instead of the system clock.
        #[arg(long, value_name = "RFC3339")]
        now: Option<String>,
    },
}

/// `yima issue-batch`.
#[derive(Debug, Args)]
pub struct IssueBatchArgs {
    /// Issuer private key: a PKCS#8 PEM file, or an RFC 7512 pkcs11: URI for a key in an HSM (from `yima keygen`).
    #[arg(long, value_name = "FILE|URI")]
    pub key: PathBuf,
    /// Rows to issue: a .csv file (health codes) or a .jsonl / .ndjson file (any kind).
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Input format, instead of guessing it from the --input extension.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<BatchInput>,
    /// JSON Lines file to write: one line per input row, in input order.
    #[arg(long, value_name = "FILE.jsonl")]
    pub out: PathBuf,
    /// Also write each code as a 1-bit PNG, DIR/<row, 8 digits>.png.
    #[arg(long, value_name = "DIR")]
    pub png_dir: Option<PathBuf>,
    /// Issuer name carried in `iss` (1 to 32 bytes); a row's own `issuer` takes precedence. Rows without
    /// one are rejected when this is absent.
    #[arg(long, value_name = "ISS")]
    pub issuer: Option<String>,
    /// Validity from the issue time, e.g. 24h, 30d [default: 24h for health codes, 365d otherwise].
    #[arg(long, value_name = "DURATION")]
    pub valid_for: Option<String>,
    /// Issue time of every row (RFC 3339) instead of the system clock (read once at the start).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Continue an interrupted run: keep the complete lines --out already holds (dropping a truncated last
    /// line), skip that many input rows, and append the rest.
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,
    /// Overwrite an existing --out file.
    #[arg(long)]
    pub force: bool,
    /// Worker threads [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<std::num::NonZeroUsize>,
    /// QR error-correction level of the PNGs.
    #[arg(long, value_enum, default_value_t = Ec::M)]
    pub ec: Ec,
    /// Pixels per QR module in the PNGs.
    #[arg(long, default_value_t = 8, value_name = "PX")]
    pub scale: u32,
}

/// Input formats of `yima issue-batch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BatchInput {
    /// CSV with a header row (health codes).
    Csv,
    /// One JSON object per line (any kind).
    Jsonl,
}
