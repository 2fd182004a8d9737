// The event log on Azure: one global Cosmos DB account for the events, and in every
// region a Flex Consumption Function App with its own views store and telemetry.
// Deploy with infra/scripts/deploy; move the write region with infra/scripts/failover.
targetScope = 'resourceGroup'

@description('A region of the events account. failoverPriority 0 is the write region; priorities are unique, 0..n-1.')
type regionLocation = {
  @description('Azure location name, lower case without spaces, e.g. westeurope')
  locationName: string
  failoverPriority: int
  isZoneRedundant: bool?
}

@description('Short lower-case name of this environment; it seeds every resource name.')
@minLength(2)
@maxLength(12)
param environmentName string

@description('Regions of the events account with their failover priorities. Every region also gets a Function App and a views store. Keep the order stable: the first entry is the home location of the account resource, fixed at creation.')
@minLength(1)
param locations regionLocation[]

@description('The write region: one of locations. It gets priority 0 and the other regions keep their order behind it. infra/scripts/failover keeps this and the priorities in the parameter file in step with the live account.')
param writeRegion string

@description('The one region whose app runs the side-effect consumers (activation mail, reservation sweep). It need not follow the write region: writes from any region reach the write region.')
param reactorRegion string = writeRegion

@description('Database name in the events account and in every views account (app setting COSMOS_DATABASE).')
param databaseName string = 'eventlog'

@description('Default consistency of the events account.')
@allowed([
  'Eventual'
  'ConsistentPrefix'
  'Session'
  'BoundedStaleness'
  'Strong'
])
param consistencyLevel string = 'Session'

@description('Service-managed failover: Cosmos DB promotes the next region by priority when the write region has an outage.')
param enableAutomaticFailover bool = true

@description('Throughput of the events database, shared by events, leases and snapshots. Serverless is single-region, so the global account is provisioned.')
@allowed([
  'autoscale'
  'manual'
])
param throughputMode string = 'autoscale'

@description('Autoscale: the maximum RU/s (scales between 10% and 100% of it). At least 1000.')
@minValue(1000)
param autoscaleMaxThroughput int = 1000

@description('Manual: fixed RU/s. At least 400.')
@minValue(400)
param manualThroughput int = 400

@description('Maximum instances per regional Function App.')
param maximumInstanceCount int = 100

@description('Memory per Function App instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Continuous backup tier of the events account (point-in-time restore): Continuous7Days (no backup storage charge) or Continuous30Days.')
@allowed([
  'Continuous7Days'
  'Continuous30Days'
])
param continuousBackupTier string = 'Continuous7Days'

@description('Public IPv4 addresses or CIDR ranges (operators, CI) allowed to reach the Cosmos DB accounts; \'0.0.0.0\' admits Azure datacenters. Empty, with appSubnetIds empty too: any network (the first deployment\'s default; Entra ID auth is required either way). See docs/deploy.md.')
param allowedIpRanges string[] = []

@description('Region -> resource id of a subnet (delegated to Microsoft.App/environments, service endpoints Microsoft.AzureCosmosDB and Microsoft.Storage) that region\'s Function App joins. With it the Cosmos DB accounts admit the apps by subnet, and the app\'s storage account admits only its subnet and allowedIpRanges. See docs/deploy.md.')
param appSubnetIds object = {}

@description('Object id of a person or group: read-only data access to the events account (inspection, export; Cosmos DB Built-in Data Reader) and read-write access to every views account. Empty: none.')
param operatorPrincipalId string = ''

@description('What the archive timer archives (app setting ARCHIVE_POLICY): aggregate type and days untouched, e.g. \'user:365,post:180\'. Empty: nothing is archived on a schedule.')
param archivePolicy string = ''

@description('Days after which archived segments move to the Archive tier. 0 (default): never; Archive is offline, so reads of such streams fail until rehydrated. See docs/lifecycle.md.')
@minValue(0)
param archiveTierAfterDays int = 0

@description('Tags on every resource.')
param tags object = {}

// Cosmos DB Built-in Data Reader (https://learn.microsoft.com/azure/cosmos-db/nosql/security/reference-data-plane-roles).
var cosmosDataReader = '00000000-0000-0000-0000-000000000001'

var env = toLower(environmentName)
var token = toLower(uniqueString(resourceGroup().id, env))
var allTags = union(tags, { 'eventlog-env': env })

// The archive's account name and container URL are known before the apps exist: the apps get the URL as
// a setting, and the archive module grants them access once their identities exist.
var archiveAccountName = take('starch${token}', 24)
var archiveContainerName = 'archive'
var archiveContainerUrl = 'https://${archiveAccountName}.blob.${environment().suffixes.storage}/${archiveContainerName}'

// The write region goes to priority 0; regions that were ahead of it move back by one,
// the rest keep their place. Same rule as promote() in infra/scripts/src/priorities.ts.
var writeRegionPriority = first(filter(locations, l => l.locationName == writeRegion))!.failoverPriority
var eventsLocations = [
  for l in locations: {
    locationName: l.locationName
    failoverPriority: l.locationName == writeRegion
      ? 0
      : (l.failoverPriority < writeRegionPriority ? l.failoverPriority + 1 : l.failoverPriority)
    isZoneRedundant: l.?isZoneRedundant ?? false
  }
]

module events 'modules/events-account.bicep' = {
  name: 'events-account'
  params: {
    accountName: 'cosmos-${env}-${token}'
    // The account's own location is immutable: the first listed region, not the write region.
    location: locations[0].locationName
    locations: eventsLocations
    databaseName: databaseName
    consistencyLevel: consistencyLevel
    enableAutomaticFailover: enableAutomaticFailover
    throughputMode: throughputMode
    autoscaleMaxThroughput: autoscaleMaxThroughput
    manualThroughput: manualThroughput
    continuousBackupTier: continuousBackupTier
    allowedIpRanges: allowedIpRanges
    // Every region's app reads and writes the log.
    allowedSubnetIds: map(items(appSubnetIds), s => s.value)
    tags: allTags
  }
}

// One vault for the environment: every region reads every subject's key (events of any subject are in
// every region's copy of the log). Its name: 3-24 letters, digits and -, unique in Azure.
module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  params: {
    vaultName: take('kv${env}${token}', 24)
    location: locations[0].locationName
    allowedIpRanges: allowedIpRanges
    allowedSubnetIds: map(items(appSubnetIds), s => s.value)
    tags: allTags
  }
}

module regions 'modules/region.bicep' = [
  for l in locations: {
    name: 'region-${l.locationName}'
    params: {
      environmentName: env
      region: l.locationName
      databaseName: databaseName
      eventsAccountEndpoint: events.outputs.endpoint
      eventsAccountLocations: events.outputs.locations
      maximumInstanceCount: maximumInstanceCount
      instanceMemoryMB: instanceMemoryMB
      operatorPrincipalId: operatorPrincipalId
      reactorsEnabled: l.locationName == reactorRegion
      allowedIpRanges: allowedIpRanges
      appSubnetId: contains(appSubnetIds, l.locationName) ? appSubnetIds[l.locationName] : ''
      keyVaultName: keyVault.outputs.name
      keyVaultUri: keyVault.outputs.vaultUri
      archiveContainerUrl: archiveContainerUrl
      archivePolicy: archivePolicy
      tags: allTags
    }
  }
]

// Cold storage of archived streams, in the write region at deployment time; every app reads and writes it.
module archive 'modules/archive-storage.bicep' = {
  name: 'archive-storage'
  params: {
    storageAccountName: archiveAccountName
    location: writeRegion
    containerName: archiveContainerName
    appPrincipalIds: [for (l, i) in locations: regions[i].outputs.functionAppPrincipalId]
    archiveAfterDays: archiveTierAfterDays
    allowedIpRanges: allowedIpRanges
    allowedSubnetIds: map(items(appSubnetIds), s => s.value)
    tags: allTags
  }
}

// Cosmos DB runs one control-plane operation per account at a time: assign one by one.
@batchSize(1)
module eventsDataRoles 'modules/cosmos-data-role.bicep' = [
  for (l, i) in locations: {
    name: 'events-data-role-${l.locationName}'
    params: {
      accountName: events.outputs.name
      principalId: regions[i].outputs.functionAppPrincipalId
    }
  }
]

// Read-only: no script writes to the log (failover, follow-the-sun and drills are ARM calls), and
// rebuilds run in the apps. Writing (an `eventlog import` migration) takes a deliberate grant.
module eventsOperatorRole 'modules/cosmos-data-role.bicep' = if (!empty(operatorPrincipalId)) {
  name: 'events-data-role-operator'
  params: {
    accountName: events.outputs.name
    principalId: operatorPrincipalId
    roleDefinitionId: cosmosDataReader
  }
  dependsOn: [
    eventsDataRoles
  ]
}

// Read by infra/scripts (deploy writes them to infra/.deployments/<resource group>.json).
output subscriptionId string = subscription().subscriptionId
output resourceGroupName string = resourceGroup().name
output eventsAccountName string = events.outputs.name
output eventsAccountEndpoint string = events.outputs.endpoint
output databaseName string = databaseName
output keyVaultName string = keyVault.outputs.name
output keyVaultUri string = keyVault.outputs.vaultUri
output archiveContainerUrl string = archive.outputs.containerUrl
output writeRegion string = writeRegion
output regions array = [
  for (l, i) in locations: {
    region: l.locationName
    functionAppName: regions[i].outputs.functionAppName
    functionAppHostName: regions[i].outputs.functionAppHostName
    viewsAccountName: regions[i].outputs.viewsAccountName
    viewsAccountEndpoint: regions[i].outputs.viewsAccountEndpoint
  }
]
