# An instance is imported by its ServiceInstanceId. All its parameters are read; keep in
# the configuration the ones you want Terraform to manage. timeouts are not stored by the
# catalog: set them in the configuration.
terraform import catalog_service_instance.orders si-0123456789abcdef0123
