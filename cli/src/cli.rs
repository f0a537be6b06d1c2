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
    /// Generate an Ed25519 issuer key pair: NAME.key (PKCS#8 PEM, mode 0600) and NAME.pub (SPKI PEM).
    #[command(after_help = "Example:\n  yima keygen --out issuer")]
    Keygen(KeygenArgs),
    /// Issue a signed credential as text, PNG, SVG or a terminal QR code.
    #[command(
        subcommand,
        after_help = "Examples:\n  yima issue health-code --key issuer.key --issuer SH --holder-name '金*' --holder-id 3f9c510ea247d86b --region 310104 --status green --valid-for 24h\n  yima issue business-licence --key issuer.key --issuer SH --claims licence.json --out licence.png"
    )]
    Issue(IssueKind),
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
    /// Base name of the files to write: NAME.key and NAME.pub.
    #[arg(long, value_name = "NAME")]
    pub out: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
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
    /// Issuer private key (PKCS#8 PEM, from `yima keygen`).
    #[arg(long, value_name = "FILE")]
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
    /// Also print the QR code to the terminal.
    #[arg(long)]
    pub qr: bool,
    /// QR error-correction level.
    #[arg(long, value_enum, default_value_t = Ec::M)]
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
    /// Pseudonymous holder id as hex (8 to 32 bytes). Never the citizen ID number.
    #[arg(long, value_name = "HEX", required_unless_present = "claims")]
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
    #[arg(long, required = true, value_name = "PUB")]
    pub key: Vec<PathBuf>,
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
