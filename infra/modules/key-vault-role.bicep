// A built-in Key Vault data-plane role for one principal on one vault (Azure RBAC).
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security#key-vault-secrets-officer

param vaultName string
param principalId string

@description('Key Vault Secrets Officer (b86a8fe4-...: read, create, delete and purge secrets): the app creates a key per data subject and deletes it on erasure, so Secrets User (read only) is not enough.')
@allowed([
  'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
])
param roleDefinitionId string = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, principalId, roleDefinitionId)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
