// Everything one region runs on its own: telemetry, the region-local views store and
// the Function App that serves the API and projects the local replica of the log.
// Regions never call each other.

param environmentName string

@description('Azure location name of this region, e.g. westeurope (app setting REGION).')
param region string

param databaseName string

@description('documentEndpoint of the global events account.')
param eventsAccountEndpoint string

@description('The events account\'s regions as Cosmos DB reports them (properties.locations: display names such as "West Europe", with failoverPriority).')
param eventsAccountLocations array

param maximumInstanceCount int = 100
param instanceMemoryMB int = 2048

@description('Object id granted data access to this region\'s views account. Empty: none.')
param operatorPrincipalId string = ''

@description('Whether this region runs the side-effect consumers (activation mail, reservation sweep): exactly one region should.')
param reactorsEnabled bool = false

@description('Public IPv4 addresses or CIDR ranges allowed to reach this region\'s views and storage accounts (see main.bicep).')
param allowedIpRanges string[] = []

@description('Resource id of the subnet this region\'s app joins; empty: no virtual network.')
param appSubnetId string = ''

@description('The vault of the subject keys (key-vault.bicep), shared by every region: its name and URI.')
param keyVaultName string
param keyVaultUri string

@description('The archive\'s blob container (app setting ARCHIVE_CONTAINER_URL).')
param archiveContainerUrl string

@description('The archive timer\'s policy (app setting ARCHIVE_POLICY); empty: nothing archived on a schedule.')
param archivePolicy string = ''

param tags object = {}

// The change-feed triggers read this region's copy of the log first: preferredLocations of the
// Cosmos DB trigger (extension 4.x), set from COSMOS_PREFERRED_LOCATIONS by functions/. Comma-separated
// region names as the account names them ("West Europe,North Europe"); this region first, then the
// others by failover priority at deployment time, so a replica that is offline falls over to the
// next one instead of the SDK's default, the write region.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-cosmosdb-v2-trigger#configuration
var normalized = map(eventsAccountLocations, l => {
  name: l.locationName
  key: toLower(replace(l.locationName, ' ', ''))
  priority: l.failoverPriority
})
var ownLocation = filter(normalized, l => l.key == region)
var otherLocations = sort(filter(normalized, l => l.key != region), (a, b) => a.priority < b.priority)
var preferredLocations = join(map(concat(ownLocation, otherLocations), l => l.name), ',')

var suffix = uniqueString(resourceGroup().id, environmentName, region)
var regionTags = union(tags, { 'eventlog-region': region })

module monitoring 'monitoring.bicep' = {
  name: 'monitoring-${region}'
  params: {
    location: region
    workspaceName: 'log-${environmentName}-${region}'
    appInsightsName: 'appi-${environmentName}-${region}'
    tags: regionTags
  }
}

module views 'views-account.bicep' = {
  name: 'views-account-${region}'
  params: {
    accountName: 'cosv-${environmentName}-${suffix}'
    location: region
    databaseName: databaseName
    allowedIpRanges: allowedIpRanges
    // Only this region's app uses this account.
    allowedSubnetIds: empty(appSubnetId) ? [] : [appSubnetId]
    tags: regionTags
  }
}

module app 'function-app.bicep' = {
  name: 'function-app-${region}'
  params: {
    location: region
    functionAppName: 'func-${environmentName}-${region}-${take(suffix, 6)}'
    planName: 'plan-${environmentName}-${region}'
    storageAccountName: 'st${suffix}'
    appInsightsName: monitoring.outputs.appInsightsName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    subnetId: appSubnetId
    allowedIpRanges: allowedIpRanges
    tags: regionTags
    // The product's settings (see src/config.ts); the module adds the Functions host settings.
    appSettings: union({
      EVENT_STORE: 'cosmos'
      // Identity-based connection: also the change-feed trigger's connection named COSMOS.
      COSMOS__accountEndpoint: eventsAccountEndpoint
      COSMOS_DATABASE: databaseName
      REGION: region
      COSMOS_PREFERRED_LOCATIONS: preferredLocations
      VIEWS__accountEndpoint: views.outputs.endpoint
      // Mail must go out once, not once per region.
      REACTORS_ENABLED: reactorsEnabled ? 'true' : 'false'
      // Personal data is sealed with keys kept here (SUBJECT_KEY_STORE defaults to keyvault with it).
      KEY_VAULT_URL: keyVaultUri
      // Archived streams are read back from here with the app's identity (docs/lifecycle.md).
      ARCHIVE_CONTAINER_URL: archiveContainerUrl
    }, empty(archivePolicy) ? {} : { ARCHIVE_POLICY: archivePolicy })
  }
}

module viewsDataRole 'cosmos-data-role.bicep' = {
  name: 'views-data-role-${region}'
  params: {
    accountName: views.outputs.name
    principalId: app.outputs.principalId
  }
}

// Creates a key per data subject, reads keys, deletes and purges a key when its subject is erased.
module keyVaultRole 'key-vault-role.bicep' = {
  name: 'key-vault-role-${region}'
  params: {
    vaultName: keyVaultName
    principalId: app.outputs.principalId
  }
}

module viewsOperatorRole 'cosmos-data-role.bicep' = if (!empty(operatorPrincipalId)) {
  name: 'views-data-role-operator-${region}'
  params: {
    accountName: views.outputs.name
    principalId: operatorPrincipalId
  }
  dependsOn: [
    viewsDataRole
  ]
}

output functionAppName string = app.outputs.name
output functionAppHostName string = app.outputs.defaultHostName
output functionAppPrincipalId string = app.outputs.principalId
output viewsAccountName string = views.outputs.name
output viewsAccountEndpoint string = views.outputs.endpoint
