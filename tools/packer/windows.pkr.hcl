# Bakes one tuesday recipe with Packer (mode `packer`), run by a CodeBuild project that the
# StartPackerBuild activity starts with SOURCE_AMI, RECIPE, IMAGE_NAME, ENCRYPTED, KMS_KEY_ID and
# PROVISION_SCRIPT (base64 PowerShell) in its environment; buildspec.yml exports AMI_ID.
packer {
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = ">= 1.3.0"
    }
  }
}

variable "source_ami" { type = string }
variable "recipe" { type = string }
variable "image_name" { type = string }
variable "encrypted" {
  type        = string
  default     = "true"
  description = "The recipe's encryption.encrypted: the image's volumes are encrypted."
}
variable "kms_key_id" {
  type    = string
  default = ""
}
variable "instance_type" {
  type    = string
  default = "t3.large"
}
variable "provision_script" {
  type        = string
  default     = ""
  description = "Base64 PowerShell: the recipe's provisioners."
}

source "amazon-ebs" "windows" {
  source_ami     = var.source_ami
  ami_name       = var.image_name
  instance_type  = var.instance_type
  communicator   = "winrm"
  winrm_username = "Administrator"
  winrm_use_ssl  = true
  winrm_insecure = true
  user_data_file = "${path.root}/winrm-bootstrap.ps1"
  encrypt_boot   = var.encrypted == "true"
  kms_key_id     = var.encrypted == "true" && var.kms_key_id != "" ? var.kms_key_id : null
  tags = {
    "tuesday:recipe" = var.recipe
    "tuesday:source" = var.source_ami
  }
}

build {
  sources = ["source.amazon-ebs.windows"]

  # The seed's lesson: without this, the hostname resets at every boot of the baked image.
  provisioner "powershell" {
    script = "${path.root}/../../provisioners/keep-hostname.ps1"
  }

  provisioner "powershell" {
    inline = var.provision_script == "" ? ["Write-Output 'no provisioners'"] : [
      "[IO.File]::WriteAllText(\"$env:TEMP\\provision.ps1\", [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${var.provision_script}')))",
      "& \"$env:TEMP\\provision.ps1\"",
    ]
  }

  provisioner "powershell" {
    script = "${path.root}/../../provisioners/sysprep.ps1"
  }

  post-processor "manifest" {
    output = "manifest.json"
  }
}
