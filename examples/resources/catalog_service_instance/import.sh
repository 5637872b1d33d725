# An instance is imported by its ServiceInstanceId. All its parameters are read, the plan's
# defaults included: parameters is the complete set of the purchaser's values, and a key left
# out of the configuration takes the plan's default. timeouts are not stored by the catalog:
# set them in the configuration.
terraform import catalog_service_instance.orders si-0123456789abcdef0123
