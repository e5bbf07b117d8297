# Keep the Windows hostname across reboots of instances launched from this image.
#
# Each launch agent renames the computer at boot unless told not to, which breaks configuration
# management that keys on the hostname (Puppet and Chef use it as the certificate subject). This is
# the intent of the seed's ec2config.ps1, for every agent AWS ships:
#   EC2Launch v2 (Windows Server 2022, 2025, and newer 2016/2019 AMIs): drop the setHostName task;
#   EC2Launch v1 (Windows Server 2016, 2019): setComputerName false;
#   EC2Config (Windows Server 2012 R2 and older): Ec2SetComputerName disabled.
$ErrorActionPreference = 'Stop'
$changed = @()

$v2 = Join-Path $env:ProgramData 'Amazon\EC2Launch\config\agent-config.yml'
if (Test-Path $v2) {
    # The task is one YAML list item: "- task: setHostName" and its more-indented lines.
    $kept = New-Object System.Collections.Generic.List[string]
    $skipping = $false
    $indent = 0
    foreach ($line in Get-Content $v2) {
        if ($line -match '^(\s*)-\s*task:\s*setHostName\s*$') {
            $skipping = $true
            $indent = $Matches[1].Length
            continue
        }
        if ($skipping) {
            $lead = $line.Length - $line.TrimStart().Length
            if ($line.Trim() -eq '' -or $lead -gt $indent) { continue }
            $skipping = $false
        }
        $kept.Add($line)
    }
    Set-Content -Path $v2 -Value $kept -Encoding UTF8
    $changed += 'EC2Launch v2'
}

$v1 = Join-Path $env:ProgramData 'Amazon\EC2-Windows\Launch\Config\LaunchConfig.json'
if (Test-Path $v1) {
    $config = Get-Content $v1 -Raw | ConvertFrom-Json
    $config.setComputerName = $false
    $config | ConvertTo-Json -Depth 10 | Set-Content -Path $v1 -Encoding UTF8
    $changed += 'EC2Launch v1'
}

$ec2config = Join-Path $env:ProgramFiles 'Amazon\Ec2ConfigService\Settings\Config.xml'
if (Test-Path $ec2config) {
    $xml = [xml](Get-Content $ec2config)
    foreach ($plugin in $xml.Ec2ConfigurationSettings.Plugins.Plugin) {
        if ($plugin.Name -eq 'Ec2SetComputerName') { $plugin.State = 'Disabled' }
    }
    $xml.Save($ec2config)
    $changed += 'EC2Config'
}

if ($changed.Count -eq 0) { throw 'No EC2 launch agent found: cannot keep the hostname' }
Write-Output "Hostname kept across reboots by: $($changed -join ', ')"
