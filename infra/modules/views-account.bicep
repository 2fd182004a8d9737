// A region-local views store: a single-region serverless account. Views and the
// projections' checkpoint and halt records live in one container, keyed by id.

@minLength(3)
@maxLength(44)
param accountName string
param location string
param databaseName string

@description('Public IPv4 addresses or CIDR ranges allowed in. Empty, with no subnets either: any network (Entra ID auth still required).')
param allowedIpRanges string[] = []

@description('Subnet resource ids allowed in (service endpoint Microsoft.AzureCosmosDB on each).')
param allowedSubnetIds string[] = []

param tags object = {}

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    // Same network rules as the events account (see events-account.bicep).
    publicNetworkAccess: 'Enabled'
    ipRules: [
      for range in allowedIpRanges: {
        ipAddressOrRange: range
      }
    ]
    isVirtualNetworkFilterEnabled: !empty(allowedSubnetIds)
    virtualNetworkRules: [
      for id in allowedSubnetIds: {
        id: id
        ignoreMissingVNetServiceEndpoint: false
      }
    ]
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-10-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource viewsContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-10-15' = {
  parent: database
  name: 'views'
  properties: {
    resource: {
      id: 'views'
      partitionKey: {
        paths: [
          '/id'
        ]
        kind: 'Hash'
        version: 2
      }
      // Read by id only: the bulky parts are not indexed (as src/stores/cosmos/containers.ts creates it).
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          {
            path: '/*'
          }
        ]
        excludedPaths: [
          {
            path: '/data/*'
          }
          {
            path: '/positions/*'
          }
          {
            path: '/state/*'
          }
          {
            path: '/"_etag"/?'
          }
        ]
      }
    }
  }
}

output name string = account.name
output id string = account.id
output endpoint string = account.properties.documentEndpoint
