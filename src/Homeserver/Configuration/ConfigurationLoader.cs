using System.ComponentModel;
using System.Reflection;

namespace Matrix.Homeserver.Configuration;

/// <summary>
/// Binds and validates <see cref="HomeserverOptions"/> before anything starts, so that a bad setting
/// stops start-up with one line naming the setting and what is wrong with it.
/// </summary>
public static class ConfigurationLoader
{
    public static HomeserverOptions Load(IConfiguration configuration)
    {
        var section = configuration.GetSection(HomeserverOptions.Section);
        CheckValues(section, typeof(HomeserverOptions), HomeserverOptions.Section);
        var options = new HomeserverOptions();
        section.Bind(options);

        var result = new HomeserverOptionsValidator().Validate(options);
        if (!result.IsValid)
        {
            var first = result.Errors[0];
            // The property path (Database.ConnectionString) is the configuration key (Homeserver:Database:ConnectionString).
            throw new ConfigurationException($"{HomeserverOptions.Section}:{first.PropertyName.Replace('.', ':')}: {first.ErrorMessage}");
        }

        return options;
    }

    /// <summary>Walks the options type: every key must exist, and every value must convert to its property's type.</summary>
    private static void CheckValues(IConfigurationSection section, Type type, string path)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            var key = $"{path}:{child.Key}";
            if (!properties.TryGetValue(child.Key, out var property))
            {
                throw new ConfigurationException($"{key}: unknown setting");
            }

            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(propertyType))
            {
                if (child.Value is null) throw new ConfigurationException($"{key}: expected a single value, not a section");
                CheckScalar(key, child.Value, propertyType);
            }
            else if (child.Value is not null && child.Value.Length > 0)
            {
                throw new ConfigurationException($"{key}: expected a section, not the value '{child.Value}'");
            }
            else if (!propertyType.IsGenericType)
            {
                CheckValues(child, propertyType, key);
            }
        }
    }

    private static bool IsScalar(Type t) => t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal);

    private static void CheckScalar(string key, string value, Type type)
    {
        if (type == typeof(string)) return;
        if (type.IsEnum)
        {
            if (!Enum.TryParse(type, value, ignoreCase: true, out _) || int.TryParse(value, out _))
            {
                throw new ConfigurationException($"{key}: '{value}' is not one of {string.Join(", ", Enum.GetNames(type))}");
            }

            return;
        }

        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException || e.InnerException is FormatException or OverflowException)
        {
            throw new ConfigurationException($"{key}: '{value}' is not a valid {FriendlyName(type)}");
        }
    }

    private static string FriendlyName(Type t) => t == typeof(bool) ? "boolean (true or false)" : t == typeof(long) || t == typeof(int) ? "whole number" : t.Name;
}

/// <summary>A setting is missing or wrong; the message is the one line printed at start-up.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
