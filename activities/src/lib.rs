//! tuesday's activities, one module per AWS call. They arrive with the local-stack issue; the error
//! names they will raise are already fixed in `workflow_gen::errors`.

pub use workflow_gen::errors;
