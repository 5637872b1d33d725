# An instance is imported by its ServiceInstanceId. All its parameters are read; keep in
# the configuration the ones you want Terraform to manage.
terraform import catalog_service_instance.orders si-0123456789abcdef0123
