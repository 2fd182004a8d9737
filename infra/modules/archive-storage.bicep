// The archive of the log: a storage account with one blob container that holds archived
// segments of streams (`{aggregateType}/{aggregateId}/{from}-{to}.jsonl`, see docs/lifecycle.md).
// The apps reach it with their managed identity (Storage Blob Data Contributor on the container);
// shared keys are off. Lifecycle management moves segments to cooler tiers as they age.

param storageAccountName string
param location string

@description('Blob container of the archive (its URL is the apps\' ARCHIVE_CONTAINER_URL).')
param containerName string = 'archive'

@description('Principal ids of the Function Apps\' system-assigned identities: they write, read and delete archived segments.')
param appPrincipalIds string[]

@description('Redundancy. The archive is the only copy of archived events: geo-redundant by default. Archive tier needs LRS, GRS or RA-GRS.')
@allowed([
  'Standard_LRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_ZRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param skuName string = 'Standard_GRS'

@description('Move a segment to the Cool tier this many days after it was written (online; 30-day early deletion charge).')
@minValue(1)
param coolAfterDays int = 30

@description('Move a segment to the Cold tier this many days after it was written (online; 90-day early deletion charge). 0: never.')
@minValue(0)
param coldAfterDays int = 90

@description('Move a segment to the Archive tier this many days after it was written. 0 (default): never. Archive is OFFLINE: reads of such a stream fail until the blob is rehydrated (hours).')
@minValue(0)
param archiveAfterDays int = 0

@description('Days a deleted segment stays recoverable (blob soft delete); a hard delete of a stream is final only after them.')
@minValue(1)
@maxValue(365)
param deleteRetentionDays int = 7

@description('Public IPv4 addresses or CIDR ranges allowed in when allowedSubnetIds is not empty.')
param allowedIpRanges string[] = []

@description('Subnets of the apps (service endpoint Microsoft.Storage). Empty: every network (Entra ID auth is required either way).')
param allowedSubnetIds string[] = []

param tags object = {}

// Storage Blob Data Contributor (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-blob-data-contributor).
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

// Same network rule as the apps' own storage accounts (function-app.bicep).
// https://learn.microsoft.com/azure/storage/common/storage-network-security
var networkAcls = empty(allowedSubnetIds)
  ? {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  : {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
      virtualNetworkRules: map(allowedSubnetIds, id => {
        id: id
        action: 'Allow'
      })
      ipRules: map(filter(allowedIpRanges, range => range != '0.0.0.0'), range => {
        value: range
        action: 'Allow'
      })
    }

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: networkAcls
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: deleteRetentionDays
    }
  }
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}

// Segments are written once and never modified, so "days since modification" is their age.
// https://learn.microsoft.com/azure/storage/blobs/lifecycle-management-overview
var tierActions = union(
  {
    tierToCool: {
      daysAfterModificationGreaterThan: coolAfterDays
    }
  },
  coldAfterDays > 0
    ? {
        tierToCold: {
          daysAfterModificationGreaterThan: coldAfterDays
        }
      }
    : {},
  archiveAfterDays > 0
    ? {
        tierToArchive: {
          daysAfterModificationGreaterThan: archiveAfterDays
        }
      }
    : {}
)

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-06-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'archived-segments-tiering'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${containerName}/'
              ]
            }
            actions: {
              baseBlob: tierActions
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    container
  ]
}

resource archiveRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in appPrincipalIds: {
    name: guid(container.id, principalId, storageBlobDataContributor)
    scope: container
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

output name string = storage.name
output containerUrl string = '${storage.properties.primaryEndpoints.blob}${containerName}'
