// A Cosmos DB built-in data-plane role for one principal on one account (data plane RBAC: the
// accounts have local auth disabled, so this is the only way in). Built-in roles:
// https://learn.microsoft.com/azure/cosmos-db/nosql/security/reference-data-plane-roles

param accountName string
param principalId string

@description('Cosmos DB Built-in Data Reader (...0001: read items, queries, change feed) or Built-in Data Contributor (...0002: also write).')
@allowed([
  '00000000-0000-0000-0000-000000000001'
  '00000000-0000-0000-0000-000000000002'
])
param roleDefinitionId string = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' existing = {
  name: accountName
}

resource assignment 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-10-15' = {
  parent: account
  name: guid(account.id, principalId, roleDefinitionId)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${roleDefinitionId}'
    principalId: principalId
    scope: account.id
  }
}
