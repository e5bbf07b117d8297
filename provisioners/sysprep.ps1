# Generalise the builder with its launch agent's own sysprep, then shut it down, so the image
# boots as a new machine. The same agents as keep-hostname.ps1, newest first.
$ErrorActionPreference = 'Stop'
$v2 = Join-Path $env:ProgramFiles 'Amazon\EC2Launch\EC2Launch.exe'
$v1 = Join-Path $env:ProgramData 'Amazon\EC2-Windows\Launch\Scripts'
$ec2config = Join-Path $env:ProgramFiles 'Amazon\Ec2ConfigService\ec2config.exe'
if (Test-Path $v2) {
    & $v2 sysprep --shutdown --clean
} elseif (Test-Path $v1) {
    & (Join-Path $v1 'InitializeInstance.ps1') -Schedule
    & (Join-Path $v1 'SysprepInstance.ps1')
} elseif (Test-Path $ec2config) {
    & $ec2config -sysprep
} else {
    throw 'No EC2 launch agent found: cannot sysprep'
}
