//! Share a baked image with other accounts (launch permission); without accounts, do nothing.

use aws_sdk_ec2::types::{LaunchPermission, LaunchPermissionModifications};

use crate::{ActivityError, Clients};

pub use contract::activities::ec2::share_image::{Input, Output};

/// The AWS calls this activity makes, as IAM actions: what it is granted, and all it may call.
pub const CALLS: &[&str] = &["ec2:ModifyImageAttribute"];

pub async fn handle(clients: &Clients, input: Input) -> Result<Output, ActivityError> {
    if input.accounts.is_empty() {
        return Ok(Output { shared_with: Vec::new() });
    }
    let permissions: Vec<LaunchPermission> =
        input.accounts.iter().map(|a| LaunchPermission::builder().user_id(a).build()).collect();
    clients
        .ec2
        .modify_image_attribute()
        .image_id(&input.image_id)
        .launch_permission(LaunchPermissionModifications::builder().set_add(Some(permissions)).build())
        .send()
        .await?;
    Ok(Output { shared_with: input.accounts })
}
