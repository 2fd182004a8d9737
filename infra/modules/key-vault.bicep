// The vault of the subject keys that seal personal data in the log (docs/lifecycle.md, "Erasure of
// personal data"): one per environment, read by every region's app. Access by Azure RBAC only, no
// access policies (https://learn.microsoft.com/azure/key-vault/general/rbac-guide). Soft delete is
// always on; purge protection stays off, so an erasure can purge a deleted key at once instead of the
// vault keeping it, recoverable, until its retention ends
// (https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview). Purge protection cannot be
// turned off once on: a vault created with it keeps every erased key for softDeleteRetentionInDays.

param vaultName string
param location string

@description('Days a deleted key stays recoverable when a purge did not happen (7 to 90).')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 7

@description('Public IPv4 addresses or CIDR ranges allowed to reach the vault besides the apps\' subnets.')
param allowedIpRanges string[] = []

@description('Subnets (service endpoint Microsoft.KeyVault) whose apps reach the vault. Empty: any network (Entra ID auth is required either way), since apps outside a virtual network have no fixed address to admit.')
param allowedSubnetIds string[] = []

param tags object = {}

var restricted = !empty(allowedSubnetIds)

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    networkAcls: {
      bypass: 'None'
      defaultAction: restricted ? 'Deny' : 'Allow'
      ipRules: [
        for range in allowedIpRanges: {
          value: range
        }
      ]
      virtualNetworkRules: [
        for subnetId in allowedSubnetIds: {
          id: subnetId
        }
      ]
    }
  }
}

output name string = vault.name
output vaultUri string = vault.properties.vaultUri
