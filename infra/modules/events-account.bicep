// The global events account: the log (events), change-feed leases and snapshots.
// Container shapes are the ones src/stores/cosmos/containers.ts creates (test/infra/bicepCheck.test.ts
// compares them): change them together.

@description('Cosmos DB account name (3-44 lower-case letters, digits, hyphens).')
@minLength(3)
@maxLength(44)
param accountName string

@description('Home location of the account resource; immutable after creation.')
param location string

@description('Regions with failover priorities (0 = write region).')
param locations array

param databaseName string
param consistencyLevel string = 'Session'
param enableAutomaticFailover bool = true

@allowed([
  'autoscale'
  'manual'
])
param throughputMode string = 'autoscale'
param autoscaleMaxThroughput int = 1000
param manualThroughput int = 400

@description('Continuous backup tier: Continuous7Days (no storage charge) or Continuous30Days.')
@allowed([
  'Continuous7Days'
  'Continuous30Days'
])
param continuousBackupTier string = 'Continuous7Days'

@description('Public IPv4 addresses or CIDR ranges allowed in. Empty, with no subnets either: any network (Entra ID auth still required).')
param allowedIpRanges string[] = []

@description('Subnet resource ids allowed in (service endpoint Microsoft.AzureCosmosDB on each).')
param allowedSubnetIds string[] = []

param tags object = {}

var consistencyPolicy = consistencyLevel == 'BoundedStaleness'
  ? {
      // The minimum the service accepts for an account with more than one region.
      defaultConsistencyLevel: 'BoundedStaleness'
      maxIntervalInSeconds: 300
      maxStalenessPrefix: 100000
    }
  : {
      defaultConsistencyLevel: consistencyLevel
    }

// Continuous backup (point-in-time restore). Moving from periodic to continuous is one-way
// (https://learn.microsoft.com/azure/cosmos-db/migrate-continuous-backup); multi-region write
// accounts, which the log refuses anyway (below), are not supported by it
// (https://learn.microsoft.com/azure/cosmos-db/continuous-backup-restore-introduction#current-limitations).
var backupPolicy = {
  type: 'Continuous'
  continuousModeProperties: {
    tier: continuousBackupTier
  }
}

var databaseOptions = throughputMode == 'autoscale'
  ? {
      autoscaleSettings: {
        maxThroughput: autoscaleMaxThroughput
      }
    }
  : {
      throughput: manualThroughput
    }

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: consistencyPolicy
    locations: locations
    // One write region, always: with several, each region checks a stream's head against its own copy,
    // so two regions could both append the next event of one stream (docs/regions.md). The log refuses
    // to append on such an account.
    enableMultipleWriteLocations: false
    enableAutomaticFailover: enableAutomaticFailover
    // Managed identity only: no account keys, no key-based metadata writes.
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    backupPolicy: backupPolicy
    // Public endpoint on; with rules, only the listed IPs and subnets get through (403 otherwise):
    // https://learn.microsoft.com/azure/cosmos-db/how-to-configure-firewall and
    // https://learn.microsoft.com/azure/cosmos-db/how-to-configure-vnet-service-endpoint
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
    // Shared by the three containers below.
    options: databaseOptions
  }
}

resource eventsContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-10-15' = {
  parent: database
  name: 'events'
  properties: {
    resource: {
      id: 'events'
      partitionKey: {
        paths: [
          '/streamId'
        ]
        kind: 'Hash'
        version: 2
      }
      // A second writer of the same sequence fails instead of forking the stream.
      uniqueKeyPolicy: {
        uniqueKeys: [
          {
            paths: [
              '/aggregateType'
              '/aggregateId'
              '/sequence'
            ]
          }
        ]
      }
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
            path: '/metadata/*'
          }
          {
            path: '/"_etag"/?'
          }
        ]
      }
      // Set at creation and immutable: Custom without a procedure sends every
      // multi-write conflict to the conflicts feed, so none is silently dropped.
      conflictResolutionPolicy: {
        mode: 'Custom'
        conflictResolutionProcedure: ''
      }
    }
  }
}

resource leasesContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-10-15' = {
  parent: database
  name: 'leases'
  properties: {
    resource: {
      id: 'leases'
      // Each region's app uses leaseContainerPrefix '{region}-{projection}'.
      partitionKey: {
        paths: [
          '/id'
        ]
        kind: 'Hash'
        version: 2
      }
    }
  }
}

resource snapshotsContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-10-15' = {
  parent: database
  name: 'snapshots'
  properties: {
    resource: {
      id: 'snapshots'
      partitionKey: {
        paths: [
          '/streamId'
        ]
        kind: 'Hash'
        version: 2
      }
      // The state is read whole by stream, never filtered on.
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
@description('The account\'s regions as Cosmos DB names them (display names such as "West Europe"), with failoverPriority.')
output locations array = account.properties.locations
