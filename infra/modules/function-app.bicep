// One regional Function App on Flex Consumption (Linux, Node 22) with a system-assigned
// identity. Its storage account holds the deployment package and the host's state
// (AzureWebJobsStorage), both reached with the identity: shared keys are off.

param location string
param functionAppName string
param planName string

@minLength(3)
@maxLength(24)
param storageAccountName string

param appInsightsName string

@description('Product settings (EVENT_STORE, COSMOS__accountEndpoint, ...); the Functions host settings are added here.')
param appSettings object

param maximumInstanceCount int = 100
param instanceMemoryMB int = 2048

@description('Subnet the app joins (virtual network integration; Flex Consumption needs it delegated to Microsoft.App/environments). Empty: none, and the storage account stays open to all networks.')
param subnetId string = ''

@description('Public IPv4 addresses or CIDR ranges that may still reach the storage account when subnetId is given (operators deploying code).')
param allowedIpRanges string[] = []

param tags object = {}

var deploymentContainerName = 'deploymentpackage'

// Built-in role definition ids.
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

// With a subnet, the storage account admits only that subnet (service endpoint Microsoft.Storage)
// and the listed addresses; storage IP rules take public addresses or ranges, not 0.0.0.0.
// https://learn.microsoft.com/azure/storage/common/storage-network-security and
// https://learn.microsoft.com/azure/azure-functions/storage-considerations
var storageNetworkAcls = empty(subnetId)
  ? {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  : {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
      virtualNetworkRules: [
        {
          id: subnetId
          action: 'Allow'
        }
      ]
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
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: storageNetworkAcls
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

var hostSettings = {
  // Identity-based AzureWebJobsStorage (system-assigned identity).
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  // Telemetry with the identity too (App Insights has local auth disabled).
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
}

var allSettings = union(appSettings, hostSettings)

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: functionAppName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Virtual network integration (https://learn.microsoft.com/azure/azure-functions/functions-networking-options).
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    siteConfig: {
      minTlsVersion: '1.2'
      // Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME and friends: the runtime is set below.
      appSettings: [
        for setting in items(allSettings): {
          name: setting.key
          value: setting.value
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
  dependsOn: [
    deploymentContainer
  ]
}

// Blob owner: deployment package and host leases; queue and table: host state and
// bindings that use them.
var storageRoles = [
  storageBlobDataOwner
  storageQueueDataContributor
  storageTableDataContributor
]

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoles: {
    name: guid(storage.id, functionApp.id, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: functionApp.identity.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource telemetryRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, functionApp.id, monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = functionApp.name
output id string = functionApp.id
output principalId string = functionApp.identity.principalId
output defaultHostName string = functionApp.properties.defaultHostName
output storageAccountName string = storage.name
