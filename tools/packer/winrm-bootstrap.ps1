<powershell>
# Lets Packer reach the builder over WinRM (HTTPS, self-signed) for the length of the build.
$ErrorActionPreference = 'Stop'
$cert = New-SelfSignedCertificate -DnsName $env:COMPUTERNAME -CertStoreLocation Cert:\LocalMachine\My
winrm quickconfig -quiet
New-Item -Path WSMan:\localhost\Listener -Transport HTTPS -Address * -CertificateThumbPrint $cert.Thumbprint -Force
netsh advfirewall firewall add rule name="WinRM HTTPS" dir=in action=allow protocol=TCP localport=5986
</powershell>
