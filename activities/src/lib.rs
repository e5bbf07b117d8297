//! tuesday's activities: one module per AWS call, each an async function from a typed input to a
//! typed output. The same code runs in Lambda (the `bootstrap` binary), in-process under the local
//! engine (`tuesday run`), and against the emulator in tests.

pub mod authorized;
pub mod autoscaling;
pub mod checks;
pub mod clients;
pub mod codebuild;
pub mod declared;
pub mod dynamodb;
pub mod ec2;
pub mod elbv2;
pub mod error;
pub mod load;
pub mod manifest;
pub mod map_run;
pub mod registry;
pub mod sns;
pub mod ssm;
pub mod surge_budget;

pub use clients::Clients;
pub use contract::errors;
pub use error::ActivityError;
